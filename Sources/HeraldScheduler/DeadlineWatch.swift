import Foundation

/// Runs `action` on a thread of its own when `deadline` passes, unless `finish()` came first: the watchdog that
/// sends `PQcancel` to a report query that outlived its run's maximum duration.
final class DeadlineWatch: @unchecked Sendable {
    private let condition = NSCondition()
    private var done = false
    private var firedFlag = false

    init(deadline: Date, action: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            condition.lock()
            while !done && condition.wait(until: deadline) {}
            let fire = !done
            if fire { firedFlag = true }
            condition.unlock()
            if fire { action() }
        }
        thread.name = "herald-deadline"
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// Stops the watch; true when the deadline had already fired.
    @discardableResult
    func finish() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        done = true
        condition.broadcast()
        return firedFlag
    }
}
