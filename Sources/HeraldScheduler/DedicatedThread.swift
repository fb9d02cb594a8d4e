import Foundation

/// One OS thread for a blocking loop (libpq, hiredis), started once and joined on stop: the plumbing the firing
/// thread, the releaser and the enqueue recorder share. Each still owns its own stop flag and condition.
final class DedicatedThread: @unchecked Sendable {
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [finished] in
            body()
            finished.signal()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Waits for the body to return (at once if it never started).
    func join() {
        if thread != nil { finished.wait() }
        thread = nil
    }
}
