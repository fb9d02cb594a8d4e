import Foundation
import TestSupport

/// Client threads calling the JSON API through nginx with a bearer token until stopped, each with its own list of
/// requests taken in turn, recording every answer's status with when it was asked and answered. Each request is one
/// curl process (as the other integration tests ask nginx), so a hung answer holds up only its own thread.
final class APILoad: @unchecked Sendable {
    struct Call: Sendable {
        let method: String
        let path: String
        let started: Date
        let ended: Date
        /// 0 when curl got no HTTP answer at all (refused, reset, timed out).
        let status: Int
    }

    struct Request: Sendable {
        let method: String
        let path: String
    }

    private let lock = NSLock()
    private var calls: [Call] = []
    private var stopping = false
    private var running = 0
    private let baseURL: String
    private let token: String
    /// Between two requests of one thread: a few threads at this pace stay under nginx's API rate (20 r/s per address),
    /// so the answers are the app's, not `limit_req`'s 429.
    private let pause: TimeInterval

    init(baseURL: String, token: String, pause: TimeInterval = 0.2) {
        self.baseURL = baseURL
        self.token = token
        self.pause = pause
    }

    /// Starts one thread that asks `requests` in turn, over and over.
    func start(_ requests: [Request]) {
        lock.withLock { running += 1 }
        let thread = Thread { [self] in
            var index = 0
            while !lock.withLock({ stopping }) {
                record(requests[index % requests.count])
                index += 1
                Thread.sleep(forTimeInterval: pause)
            }
            lock.withLock { running -= 1 }
        }
        thread.start()
    }

    /// Stops every thread after its request in flight, and returns everything recorded.
    func stop() -> [Call] {
        lock.withLock { stopping = true }
        let deadline = Date().addingTimeInterval(60)
        while lock.withLock({ running }) > 0 && Date() < deadline { usleep(20_000) }
        return lock.withLock { calls }
    }

    var recorded: [Call] { lock.withLock { calls } }

    private func record(_ request: Request) {
        let started = Date()
        let result = try? runCommand("/usr/bin/curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                                                       "-X", request.method, "-H", "Authorization: Bearer \(token)",
                                                       baseURL + request.path], timeout: 40)
        let status = Int(result?.output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(3) ?? "") ?? 0
        let call = Call(method: request.method, path: request.path, started: started, ended: Date(), status: status)
        lock.withLock { calls.append(call) }
    }
}
