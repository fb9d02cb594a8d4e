
import Foundation
import Logging
import Testing
@testable import FastCGI
@testable import HeraldWeb

final class FixedCheck: ReadinessCheck {
    let name: String
    let result: ReadinessResult
    init(_ name: String, _ result: ReadinessResult) { self.name = name; self.result = result }
    func run() -> ReadinessResult { result }
}

struct WebApplicationTests {
    static let templatesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("templates").path

    struct Failure: Error {}

    func application() async throws -> WebApplication {
        WebApplication(templates: try Templates.load(directory: Self.templatesDirectory),
                       settings: WebSettings(secretKey: Array(repeating: 9, count: 32)), logger: Logger(label: "test")) { router, _ in
            router.get("/fail", .anyone) { _ in throw Failure() }
            router.get("/api/fail", .anyone) { _ in throw Failure() }
            router.get("/teapot", .anyone) { _ in throw HTTPError(HTTPStatus(418, "I'm a teapot"), "<script>alert(1)</script>") }
            router.post("/api/things", .anyone) { context in
                struct Thing: Codable { let name: String }
                return try .json(try context.request.json(Thing.self), status: .created)
            }
            router.get("/api/unencodable", .anyone) { _ in try .json(Double.nan) }
        }
    }

    func respond(_ app: WebApplication, _ method: String, _ path: String, checks: [any ReadinessCheck] = [],
                 headers: [String: String] = [:], body: String = "") -> HTTPResponse {
        app.respond(to: HTTPRequest(method: method, path: path, headers: headers, body: Array(body.utf8)),
                    router: app.makeRouter(checks: checks), connections: Self.noDatabase, recorder: app.metrics.recorder())
    }

    /// These tests never reach a database: no route here needs one, and no request carries a session.
    static let noDatabase = WebConnections(databaseURL: "postgresql://127.0.0.1:1/none", redisURL: "redis://127.0.0.1:1")

    func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func unknownErrorsAreBare500sWithoutDetail() async throws {
        let app = try await application()
        let page = respond(app, "GET", "/fail")
        #expect(page.status == .internalServerError)
        #expect(text(page).contains("Something went wrong on our side."))
        #expect(!text(page).contains("Failure"))
        let api = respond(app, "GET", "/api/fail")
        #expect(api.header("Content-Type") == "application/problem+json")
        #expect(text(api).contains(#""status":500"#))
        #expect(!text(api).contains("Failure"))
    }

    @Test func errorPagesEscapeTheMessage() async throws {
        let page = respond(try await application(), "GET", "/teapot")
        #expect(page.status.code == 418)
        #expect(text(page).contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!text(page).contains("<script>"))
    }

    @Test func apiErrorsAreProblemDocuments() async throws {
        let app = try await application()
        let missing = respond(app, "GET", "/api/nothing")
        #expect(missing.status == .notFound)
        #expect(missing.header("Content-Type") == "application/problem+json")
        struct Problem: Decodable { let type: String; let title: String; let status: Int; let detail: String; let instance: String }
        let problem = try JSONDecoder().decode(Problem.self, from: Data(missing.body))
        #expect(problem.type == "about:blank")
        #expect(problem.title == "Not Found")
        #expect(problem.instance == "/api/nothing")
        let bad = respond(app, "POST", "/api/things", headers: ["Content-Type": "application/json"], body: "[1,")
        #expect(bad.status == .badRequest)
        let good = respond(app, "POST", "/api/things", headers: ["Content-Type": "application/json"], body: #"{"name":"x"}"#)
        #expect(good.status == .created)
        #expect(text(good) == #"{"name":"x"}"#)
    }

    @Test func aValueThatCannotBeEncodedIsA500NotAnEmpty200() async throws {
        let response = respond(try await application(), "GET", "/api/unencodable")
        #expect(response.status == .internalServerError)
        #expect(response.header("Content-Type") == "application/problem+json")
    }

    @Test func refusedBodiesAndHeadersAreAnsweredWithoutRouting() async throws {
        let app = try await application()
        let handler = app.makeHandler(checks: [], connections: Self.noDatabase)
        let big = handler(FastCGIRequest(params: ["REQUEST_METHOD": "POST", "DOCUMENT_URI": "/api/things"], body: [], refusal: .bodyTooLarge))
        #expect(big.status == 413)
        let many = handler(FastCGIRequest(params: ["REQUEST_METHOD": "GET", "DOCUMENT_URI": "/healthz"], body: [], refusal: .headersTooLarge))
        #expect(many.status == 431)
    }

    @Test func pagesThatNeedASignInRedirectAndTheAPIAnswers401() async throws {
        let app = try await application()
        let page = respond(app, "GET", "/status")
        #expect(page.status == .seeOther)
        #expect(page.header("Location") == "/login?next=%2Fstatus")
        let api = respond(app, "GET", "/api/v1/me")
        #expect(api.status == .notFound)   // no such route in this app; a signed-in route answers 401 (WebSessionTests)
    }

    @Test func methodNotAllowedListsTheAllowedOnes() async throws {
        let response = respond(try await application(), "DELETE", "/healthz")
        #expect(response.status == .methodNotAllowed)
        #expect(response.header("Allow") == "GET, HEAD")
    }

    @Test func readinessIsTheWorstCheck() async throws {
        let app = try await application()
        let pass = respond(app, "GET", "/readyz", checks: [FixedCheck("postgresql:responseTime", .pass(milliseconds: 1.5))])
        #expect(pass.status == .ok)
        #expect(text(pass) == #"{"status":"pass","checks":{"postgresql:responseTime":[{"status":"pass","observedValue":1.5,"observedUnit":"ms"}]}}"#)
        let warn = respond(app, "GET", "/readyz", checks: [FixedCheck("a", .pass(milliseconds: 1)), FixedCheck("b", ReadinessResult(status: .warn))])
        #expect(warn.status == .ok)
        #expect(text(warn).hasPrefix(#"{"status":"warn","#))
        let fail = respond(app, "GET", "/readyz", checks: [FixedCheck("a", .fail("Redis is unreachable")), FixedCheck("b", ReadinessResult(status: .warn))])
        #expect(fail.status == .serviceUnavailable)
        #expect(fail.header("Content-Type") == "application/health+json")
        #expect(fail.header("Cache-Control") == "no-store")
        #expect(text(fail).contains("Redis is unreachable"))
    }

    @Test func headResponsesHaveNoBody() async throws {
        let app = try await application()
        let handler = app.makeHandler(checks: [], connections: Self.noDatabase)
        let response = handler(FastCGIRequest(params: ["REQUEST_METHOD": "HEAD", "DOCUMENT_URI": "/healthz"], body: []))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers.contains { $0.0 == "Content-Length" && $0.1 == "17" })
        #expect(response.headers.contains { $0.0 == "X-Request-Id" })
    }

    @Test func responsesNeverWriteHeaderLineBreaks() {
        let response = FastCGIResponse(status: 200, headers: [("X-Ok", "yes"), ("X-Bad", "a\r\nSet-Cookie: evil=1")], body: [])
        let text = String(decoding: response.serialized(), as: UTF8.self)
        #expect(text == "Status: 200 OK\r\nX-Ok: yes\r\n\r\n")
    }

    @Test func aResponseIsWrittenAsStdoutRecordsThatReassembleIt() {
        let body = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for response in [FastCGIResponse(status: 200, headers: [("Content-Type", "application/json")], body: body),
                         FastCGIResponse(status: 204), FastCGIResponse(status: 200, body: Array(body.prefix(65_528 - 20)))] {
            let records = response.records(requestID: 258)
            var content: [UInt8] = [], at = 0
            while at < records.count {
                #expect(Array(records[at..<at + 4]) == [1, 6, 1, 2])  // version 1, FCGI_STDOUT, request id 258
                let length = Int(records[at + 4]) << 8 | Int(records[at + 5])
                #expect(length > 0 && length <= 65_528 && length % 8 == 0 || at + 8 + length == records.count)
                #expect(records[at + 6] == 0)  // no padding
                content += records[at + 8 ..< at + 8 + length]
                at += 8 + length
            }
            #expect(at == records.count)
            #expect(content == response.serialized())
        }
    }

    @Test func startUpFailsWithoutTheTemplates() async {
        #expect(throws: TemplateError.self) { try Templates.load(directory: "/nonexistent") }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(throws: TemplateError.self) { try Templates.load(directory: empty) }
    }
}
