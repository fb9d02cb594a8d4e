import HeraldScheduler
import Testing

struct WorkerIdentityTests {
    @Test func twoStartsWithTheSameHostAndPidGetDifferentIdentities() {
        let first = WorkerIdentity.make(host: "box", pid: 1)
        let second = WorkerIdentity.make(host: "box", pid: 1)
        #expect(first != second)
        #expect(first.hasPrefix("scheduler:box:1:"))
        // The heartbeat takes the host back out of the id by splitting on ':'.
        #expect(first.split(separator: ":")[1] == "box")
        #expect(first.split(separator: ":").last?.count == 16)
    }

    @Test func aColonInTheHostNameCannotShiftTheFields() {
        #expect(WorkerIdentity.make(host: "a:b", pid: 7).split(separator: ":")[1] == "a_b")
    }
}
