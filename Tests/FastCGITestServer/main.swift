import FastCGI
import Foundation
import HeraldWeb
import Logging

/// A FastCGI app for the integration tests, built from the same FastCGIServer, Router and WebApplication as
/// `herald web`, plus routes that echo what arrived and that answer slowly.
/// Usage: FastCGITestServer <socket-path | -> <threads> <templates-dir>   (`-`: the socket is fd 0)
let arguments = CommandLine.arguments
guard arguments.count == 4, let threads = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: FastCGITestServer <socket> <threads> <templates>\n".utf8))
    exit(2)
}

struct Echo: Encodable {
    let method: String
    let path: String
    let query: [String: [String]]
    let contentType: String?
    let form: [String: [String]]?
    let json: JSONValue?
    let bodyBytes: Int
    let bodyChecksum: UInt64
    let cookies: [String: String]
    let userAgent: String?
}

/// Any JSON, to echo a body back as it was parsed.
indirect enum JSONValue: Codable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let v): try container.encode(v)
        case .number(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .null: try container.encodeNil()
        case .array(let v): try container.encode(v)
        case .object(let v): try container.encode(v)
        }
    }
}

/// FNV-1a over the body, so a test can check a large upload arrived byte for byte.
enum Checksum {
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

let echo: Router.Handler = { context in
    let request = context.request
    let type = request.contentType
    return try .json(Echo(
        method: request.method, path: request.path, query: request.query, contentType: type,
        form: type == "application/x-www-form-urlencoded" ? try request.form() : nil,
        json: type == "application/json" ? try request.json(JSONValue.self) : nil,
        bodyBytes: request.body.count, bodyChecksum: Checksum.fnv1a(request.body), cookies: request.cookies,
        userAgent: request.header("user-agent")), keepingKeys: true)
}

var logger = Logger(label: "fastcgi-test-server")
logger.logLevel = .warning
do {
    // No database behind this server: only routes open to anyone, and no session cookie in the tests.
    let settings = WebSettings(secretKey: Array(repeating: 7, count: 32))
    let application = WebApplication(templates: try Templates.load(directory: arguments[3]), settings: settings, logger: logger) { router, _ in
        router.get("/echo", .anyone, echo)
        router.post("/echo", .anyone, echo)
        router.post("/api/echo", .anyone, echo)
        router.get("/api/things/:id", .anyone) { context in try .json(["id": context.request.parameters["id"] ?? ""]) }
        router.get("/slow", .anyone) { context in
            let request = context.request
            // Tests wait for this line instead of guessing when the request has arrived.
            FileHandle.standardError.write(Data("slow request started\n".utf8))
            usleep(UInt32(Int(request.queryValue("ms") ?? "") ?? 1000) * 1000)
            return .text("done\n")
        }
        router.get("/boom", .anyone) { _ in throw CocoaError(.fileReadCorruptFile) }
    }
    let server = try FastCGIServer(socketPath: arguments[1] == "-" ? nil : arguments[1], threadCount: threads,
                                   limits: FastCGILimits(maxBodyBytes: 8 << 20))
    server.stopOnTerminationSignals()
    server.run { application.makeHandler(checks: [], connections: WebConnections(databaseURL: "postgresql://unused", redisURL: "redis://unused")) }
    exit(0)
} catch {
    FileHandle.standardError.write(Data("FastCGITestServer: \(error)\n".utf8))
    exit(1)
}
