import Foundation

/// A body run on an OS thread of its own after `firstDelay` and then every `interval` until `stop`: the loop the
/// retention, data-late and weekly-summary threads share. A stop wakes the sleep at once.
final class PeriodicThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private let thread = DedicatedThread()
    private var body: (() -> Void)?

    /// True once `stop` was called: a long body may check it between steps.
    var isStopping: Bool { condition.withLock { stopping } }

    func start(name: String, firstDelay: TimeInterval, interval: TimeInterval, _ body: @escaping () -> Void) {
        self.body = body
        thread.start(name: name) { [self] in
            var wait = firstDelay
            while !sleep(wait) {
                wait = interval
                self.body?()
            }
            self.body = nil
        }
    }

    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        thread.join()
    }

    /// Sleeps up to `seconds`; true when stopped.
    private func sleep(_ seconds: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while !stopping && condition.wait(until: deadline) {}
        return stopping
    }
}
