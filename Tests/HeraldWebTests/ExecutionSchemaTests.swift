import Foundation
import HeraldCore
import HeraldQueue
import HeraldStore
import Redis
import Testing
import TestSupport
@testable import HeraldWeb

/// The executions API answers what its OpenAPI part says: each response is checked against its schema (types, required
/// keys, no undocumented key, enums), with a small validator for the subset of JSON Schema the document uses.
struct ExecutionSchemaTests {
    @Test func responsesMatchTheirDocumentedSchemas() async throws {
        let web = try await WebHarness()
        let ada = try web.addUser("ada@example.org", role: .creator)
        let fx = ExecutionFixtures(store: web.store)
        let schedule = try fx.schedule(owner: ada.id, nextSlot: Date().addingTimeInterval(3600))
        let run = try fx.execution(schedule: schedule, status: "failed", at: Date(), error: "boom", timings: #"{"query": 0.5}"#)
        try fx.delivery(execution: run, destination: try fx.destination(owner: ada.id, name: "Out"), status: "failed", lastError: "disk full")
        let file = try fx.artifact(execution: run)
        _ = try fx.execution(schedule: schedule, status: "queued", at: Date().addingTimeInterval(-10))
        try HeartbeatRegistry.beat(Heartbeat(id: "w1", role: "scheduler", version: "1", host: "h", pid: 1, startedAt: Date(), beatAt: Date(), inFlight: 0),
                                   on: try RedisConnection(url: web.redisURL))
        let token = try AccountService(connection: web.store).createToken(email: "ada@example.org", name: "ci", actor: "test").token
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json())) as? [String: Any])
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let runID = run.uuidString.lowercased()
        let cases: [(String, String, String, Int, String)] = [
            ("GET", "/api/v1/executions", "", 200, "ExecutionList"),
            ("GET", "/api/v1/executions", "limit=1", 200, "ExecutionList"),
            ("GET", "/api/v1/executions/\(runID)", "", 200, "Execution"),
            ("GET", "/api/v1/artifacts/\(file.uuidString.lowercased())/link", "", 200, "ArtifactLink"),
            ("GET", "/api/v1/status", "", 200, "Status"),
            ("POST", "/api/v1/executions/\(runID)/resend", "", 202, "Execution"),
        ]
        for (method, path, query, status, schemaName) in cases {
            let response = web.respond(method, path, query: query, headers: ["Authorization": "Bearer \(token)"])
            #expect(response.status.code == status, "\(method) \(path): \(text(response))")
            let value = try JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
            let schema = schemaName == "ExecutionList" ? OpenAPI.listOf("ExecutionSummary") : OpenAPI.ref(schemaName)
            let problems = SchemaCheck(schemas: schemas).problems(value, schema, at: "\(method) \(path)")
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}

/// Enough JSON Schema for these documents: `$ref`, `type` (one or a list, `null` included), `properties`, `required`,
/// `additionalProperties`, `items`, `enum`, `pattern`. Undocumented object keys are reported too.
struct SchemaCheck {
    let schemas: [String: Any]

    func problems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let resolved = schemas[String(ref.split(separator: "/").last ?? "")] as? [String: Any] else { return ["\(path): no schema \(ref)"] }
            return problems(value, resolved, at: path)
        }
        var found: [String] = []
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty, !types.contains(where: { matches(value, $0) }) { return ["\(path): \(value) is not \(types)"] }
        if let options = schema["enum"] as? [String], let text = value as? String, !options.contains(text) { found.append("\(path): \(text) not in \(options)") }
        if let pattern = schema["pattern"] as? String, let text = value as? String, text.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \(text) does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path): missing \(key)") }
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] { found += problems(item, property, at: "\(path).\(key)") }
                else if let additional = schema["additionalProperties"] as? [String: Any] { found += problems(item, additional, at: "\(path).\(key)") }
                else { found.append("\(path): undocumented key \(key)") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += problems(item, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "string": return value is String
        case "boolean": return (value as? NSNumber).map(isBool) ?? false
        case "integer": return (value as? NSNumber).map { !isBool($0) && $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": return (value as? NSNumber).map { !isBool($0) } ?? false
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        default: return true
        }
    }

    /// JSONSerialization gives booleans as NSNumbers of type `c` (integers are `q`, numbers `d`).
    func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
