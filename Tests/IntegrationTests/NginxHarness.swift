import Foundation
import TestSupport

/// A real nginx, configured from the repository's nginx/herald.conf, in front of a FastCGI app started as a child
/// process (FastCGITestServer or `herald web`). Both listen on loopback only and are stopped by PID. With
/// `instances` above one, the `upstream` lists that many unix sockets, each served by its own app process: the
/// scale-out of several `herald web` behind one nginx.
final class NginxHarness {
    let directory: String
    let httpPort = freeLoopbackPort()
    let httpsPort = freeLoopbackPort()
    var socketPath: String { socketPath(0) }
    var artifactsDirectory: String { directory + "/artifacts" }
    private(set) var apps: [ChildProcess?]
    var app: ChildProcess? { apps[0] }
    private var nginx: ChildProcess?
    private let launch: (executable: String, arguments: [String], environment: [String: String])

    /// The first instance's socket is `web.sock` (what single-app tests expect), the others `web-2.sock` and on.
    func socketPath(_ instance: Int) -> String { directory + (instance == 0 ? "/web.sock" : "/web-\(instance + 1).sock") }

    /// Starts nginx and the app (`instances` of it); its arguments and environment may use `{socket}`, replaced by
    /// the instance's socket path.
    init(app executable: String, arguments: [String] = [], environment: [String: String] = [:], instances: Int = 1) throws {
        directory = NSTemporaryDirectory() + "herald-nginx-\(UUID().uuidString.prefix(8))"
        apps = Array(repeating: nil, count: max(instances, 1))
        launch = (executable, arguments, environment)
        try FileManager.default.createDirectory(atPath: artifactsDirectory, withIntermediateDirectories: true)
        let certificate = try runCommand("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem"])
        guard certificate.status == 0 else { throw HarnessError("openssl failed: \(certificate.output)") }

        let root = TestEnvironment.packageRoot
        var config = try String(contentsOfFile: root + "/nginx/herald.conf", encoding: .utf8)
        let servers = apps.indices.map { "server unix:\(socketPath($0));" }.joined(separator: "\n        ")
        config = config.replacingOccurrences(of: "server unix:@FCGI_SOCKET@;", with: servers)
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        for (key, value) in ["@NGINX_PREFIX@": directory, "@NGINX_USER@": user, "@HTTP_PORT@": "\(httpPort)",
                             "@HTTPS_PORT@": "\(httpsPort)", "@TLS_CERT@": directory + "/cert.pem",
                             "@TLS_KEY@": directory + "/key.pem", "@FCGI_SOCKET@": socketPath,
                             "@STATIC_DIR@": root + "/static", "@ARTIFACTS_DIR@": artifactsDirectory,
                             "@NGINX_DIR@": root + "/nginx"] {
            config = config.replacingOccurrences(of: key, with: value)
        }
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)

        for instance in apps.indices { try startApp(instance) }
        nginx = try ChildProcess(TestEnvironment.nginxPath, ["-p", directory, "-c", directory + "/nginx.conf", "-g", "daemon off;"])
        try waitUntil("nginx answers") { (try? self.get("/static/herald.css").status) == 200 }
    }

    /// Starts (or, after it was killed, starts again) one instance of the app, and waits until it opens its socket.
    func startApp(_ instance: Int = 0) throws {
        let socket = socketPath(instance)
        try? FileManager.default.removeItem(atPath: socket)
        let app = try ChildProcess(launch.executable, launch.arguments.map { $0.replacingOccurrences(of: "{socket}", with: socket) },
                                   environment: launch.environment.mapValues { $0.replacingOccurrences(of: "{socket}", with: socket) })
        apps[instance] = app
        try waitUntil("the app opens its socket") { FileManager.default.fileExists(atPath: socket) || !app.isRunning }
        guard app.isRunning else { throw HarnessError("the app exited: \(app.output)") }
    }

    var baseURL: String { "https://localhost:\(httpsPort)" }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// One request through curl; headers are returned lower-cased.
    func request(_ path: String, method: String = "GET", arguments: [String] = [], url: String? = nil) throws -> Response {
        let headerFile = directory + "/headers-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let result = try runCommand("/usr/bin/curl", ["-sk", "-X", method, "-D", headerFile, "-o", "-", "-w", "\n%{http_code}",
                                                      "--max-time", "30"] + arguments + [url ?? baseURL + path])
        var lines = result.output.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? 0
        var headers: [String: String] = [:]
        for line in ((try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? "").components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers, body: lines.joined(separator: "\n"))
    }

    func get(_ path: String) throws -> Response { try request(path) }

    func waitUntil(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        throw HarnessError("timed out waiting until \(what); app output: \(app?.output ?? "")")
    }

    /// nginx's error log (upstream failures, which server a request went to).
    var errorLog: String { (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? "" }

    deinit {
        apps.forEach { $0?.stop() }
        nginx?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
