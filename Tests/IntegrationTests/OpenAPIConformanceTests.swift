import Foundation
import Testing
import TestSupport

/// `GET /api/openapi.json` of a real `herald web` behind nginx passes `openapi-spec-validator`, and schemathesis,
/// calling every documented operation with an admin's bearer token, finds no 5xx and no answer that breaks the
/// document's schemas. Generic on purpose: it checks whatever routes the document lists. Both tools come from the
/// virtual environment of deploy/requirements-test.txt, whose python deploy/test.sh passes as HERALD_TEST_PYTHON.
@Suite(.serialized)
struct OpenAPIConformanceTests {
    static var python: String {
        get throws { try TestEnvironment.require("HERALD_TEST_PYTHON") }
    }

    /// A migrated database with an admin and that admin's token, and `herald web` behind nginx over it.
    static func server() throws -> (nginx: NginxHarness, token: String, databaseURL: String) {
        let url = try TestDatabase.create()
        let environment = try HeraldCommandTests.environment(databaseURL: url)
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        let added = try runCommand(HeraldCommandTests.herald, ["user", "add", "--email", "root@example.org", "--role", "admin"],
                                   environment: environment)
        #expect(added.status == 0, "\(added.output)")
        let created = try runCommand(HeraldCommandTests.herald, ["token", "create", "--email", "root@example.org", "--name", "schemathesis"],
                                     environment: environment)
        #expect(created.status == 0, "\(created.output)")
        let token = try #require(created.output.split(separator: "\n").last { $0.hasPrefix("hrld_") }).trimmingCharacters(in: .whitespaces)
        return (try HeraldWebProcessTests.harness(databaseURL: url), token, url)
    }

    static func document(_ nginx: NginxHarness) throws -> String {
        let response = try nginx.get("/api/openapi.json")
        #expect(response.status == 200)
        let path = nginx.directory + "/openapi.json"
        try response.body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theDocumentPassesTheSpecValidator() throws {
        let (nginx, _, _) = try Self.server()
        let path = try Self.document(nginx)
        let result = try runCommand(try Self.python, ["-c", """
            import json, sys
            from openapi_spec_validator import validate
            validate(json.load(open(sys.argv[1])))
            print("valid")
            """, path], timeout: 60)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid"))
    }

    @Test func schemathesisFindsNoServerErrorAndNoAnswerThatBreaksTheSchema() throws {
        let (nginx, token, databaseURL) = try Self.server()
        let path = try Self.document(nginx)
        let schemathesis = URL(fileURLWithPath: try Self.python).deletingLastPathComponent().appendingPathComponent("schemathesis").path
        // Bounded: a few examples per operation, at most 70 s, under nginx's per-address API rate (20 r/s).
        // The stateful phase is left out: it would chain calls that revoke the run's own token.
        // Run from the harness's folder: schemathesis keeps a cache folder in its working directory.
        let result = try runCommand("/bin/sh", ["-c", #"cd "$0" && exec "$@""#, nginx.directory, schemathesis,
            "run", path, "--url", nginx.baseURL, "--header", "Authorization: Bearer \(token)",
            "--checks", "not_a_server_error,response_schema_conformance", "--phases", "examples,coverage,fuzzing",
            "--max-examples", "15", "--max-time", "70", "--rate-limit", "15/s", "--tls-verify", "false",
            "--request-timeout", "10", "--seed", "9", "--generation-database", "none", "--no-color", "--warnings", "off",
        ], environment: ["SCHEMATHESIS_HOOKS": ""], timeout: 150)
        #expect(result.status == 0, "\(result.output)")
        // The run used the token throughout: it was not revoked or refused along the way.
        try nginx.waitUntil("the API answers the run's token (past nginx's rate limit)") {
            try nginx.request("/api/v1/me", arguments: ["-H", "Authorization: Bearer \(token)"]).status != 429
        }
        let me = try nginx.request("/api/v1/me", arguments: ["-H", "Authorization: Bearer \(token)"])
        let audit = try runCommand("/usr/bin/psql", [databaseURL, "-Atc", "SELECT at, actor_label, action, subject_id, details FROM audit_log ORDER BY id"])
        #expect(me.status == 200, "\(me.body)\n\(audit.output)\n\(result.output)")
    }
}
