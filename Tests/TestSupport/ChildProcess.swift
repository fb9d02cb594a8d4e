import Foundation

/// A subprocess started by a test, with its output captured to a file so that a failure can show it.
///
/// Spawned with `posix_spawn` and an empty signal mask: Foundation's `Process` passes on the test thread's blocked
/// signals, and a child that blocks SIGTERM could never show how it handles one.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let logPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
                inheritEnvironment: Bool = true, stdinPath: String = "/dev/null", stdinDescriptor: Int32? = nil) throws {
        logPath = NSTemporaryDirectory() + "herald-child-\(UUID().uuidString).log"
        pid = try Self.spawn(executable, arguments, environment: environment, inheritEnvironment: inheritEnvironment,
                             stdinPath: stdinPath, stdinDescriptor: stdinDescriptor, outputPath: logPath)
    }

    /// `stdinDescriptor`, when given, becomes the child's fd 0 (a listening socket, as systemd passes one).
    static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], inheritEnvironment: Bool,
                      stdinPath: String, stdinDescriptor: Int32?, outputPath: String) throws -> pid_t {
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        env.merge(environment) { _, new in new }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinDescriptor {
            posix_spawn_file_actions_adddup2(&actions, stdinDescriptor, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { throw SpawnError(executable: executable, code: status) }
        return pid
    }

    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public var isRunning: Bool { poll() == nil }

    public func signal(_ sig: Int32) { if isRunning { kill(pid, sig) } }

    /// The exit status (or 128 + signal) once the process has ended, nil while it runs.
    private func poll() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let signalled = status & 0x7F
        exitStatus = signalled == 0 ? (status >> 8) & 0xFF : 128 + signalled
        return exitStatus
    }

    /// Waits up to `timeout` seconds; returns the exit status, or nil if it is still running.
    @discardableResult
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = poll() { return status }
            if Date() >= deadline { return nil }
            usleep(10_000)
        }
    }

    /// Stops the process (SIGTERM, then SIGKILL) if it still runs.
    public func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if wait(timeout: 5) == nil { kill(pid, SIGKILL); wait(timeout: 5) }
    }

    deinit { stop() }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let executable: String
    public let code: Int32
    public var description: String { "could not start \(executable): \(String(cString: strerror(code)))" }
}

/// Runs a command to completion (at most `timeout` seconds) and returns its exit status and combined output.
@discardableResult
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       input: String? = nil, timeout: Double = 120) throws -> (status: Int32, output: String) {
    var stdinPath = "/dev/null"
    if let input {
        stdinPath = NSTemporaryDirectory() + "herald-stdin-\(UUID().uuidString)"
        try input.write(toFile: stdinPath, atomically: true, encoding: .utf8)
    }
    defer { if input != nil { try? FileManager.default.removeItem(atPath: stdinPath) } }
    let child = try ChildProcess(executable, arguments, environment: environment, stdinPath: stdinPath)
    defer { try? FileManager.default.removeItem(atPath: child.logPath) }
    guard let status = child.wait(timeout: timeout) else {
        child.stop()
        return (124, child.output + "\n[timed out after \(timeout) s]")
    }
    return (status, child.output)
}

/// Runs `/bin/sh -c command`.
@discardableResult
public func runShell(_ command: String, timeout: Double = 120) throws -> (status: Int32, output: String) {
    try runCommand("/bin/sh", ["-c", command], timeout: timeout)
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
