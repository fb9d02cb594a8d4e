import Foundation
import Postgres
import Testing
import TestSupport

/// A run's file downloaded through the real nginx: `herald web` checks the session and the signed link, nginx sends
/// the bytes from its `internal` location (`X-Accel-Redirect`), as an attachment.
@Suite(.serialized)
struct ArtifactDownloadThroughNginxTests {
    @Test func aSignedInUserDownloadsTheExactBytesAsAnAttachment() throws {
        let url = try TestDatabase.create()
        let environment = try HeraldCommandTests.environment(databaseURL: url)
        #expect(try runCommand(HeraldCommandTests.herald, ["migrate"], environment: environment).status == 0)
        let added = try runCommand(HeraldCommandTests.herald, ["user", "add", "--email", "ada@example.org", "--role", "creator"],
                                   environment: environment)
        #expect(added.status == 0, "\(added.output)")
        let password = try #require(added.output.split(separator: "\n").first { $0.hasPrefix("password: ") }).dropFirst(10)

        let store = try PostgresConnection(url: url)
        let owner: UUID = try store.query("SELECT id FROM users WHERE email = 'ada@example.org'")[0].decode("id")
        let source: UUID = try store.query("INSERT INTO data_sources (name, url_encrypted) VALUES ('src', '\\x01') RETURNING id")[0].decode("id")
        let report: UUID = try store.query("""
            INSERT INTO reports (name, data_source_id, sql, owner_id) VALUES ('Sales', \(source), 'SELECT 1', \(owner)) RETURNING id
            """)[0].decode("id")
        let schedule: UUID = try store.query("""
            INSERT INTO schedules (report_id, name, recurrence, cron, time_zone, owner_id)
            VALUES (\(report), 'Daily', '{"kind":"daily","time_zone":"UTC","time":"08:00"}', '0 8 * * *', 'UTC', \(owner)) RETURNING id
            """)[0].decode("id")
        let run: UUID = try store.query("""
            INSERT INTO executions (schedule_id, report_id, scheduled_for, status, finished_at)
            VALUES (\(schedule), \(report), now(), 'succeeded', now()) RETURNING id
            """)[0].decode("id")

        let nginx = try HeraldWebProcessTests.harness(databaseURL: url)
        // The harness's artifacts folder is what nginx's `/_artifacts/` serves: DATA_DIR/artifacts.
        let artifact = UUID()
        let relative = "2026/12/02/\(artifact.uuidString.lowercased())-x1.csv"
        let bytes = "id,name\n1,Ada \u{e9}\n2,\"Grace, H\"\n"
        try FileManager.default.createDirectory(atPath: nginx.artifactsDirectory + "/2026/12/02", withIntermediateDirectories: true)
        try bytes.write(toFile: nginx.artifactsDirectory + "/" + relative, atomically: true, encoding: .utf8)
        try store.execute("""
            INSERT INTO artifacts (id, execution_id, format, file_name, storage_path, byte_count, sha256)
            VALUES (\(artifact), \(run), 'csv', 'Sales 2026-12-02.csv', \("artifacts/" + relative), \(bytes.utf8.count), '\\x00')
            """)

        let jar = nginx.directory + "/cookies.txt"
        let form = try nginx.request("/login", arguments: ["-c", jar, "-b", jar])
        let token = try #require(form.body.range(of: #"name="login_token" value=""#).map { String(form.body[$0.upperBound...].prefix { $0 != "\"" }) })
        let signedIn = try nginx.request("/login", method: "POST", arguments: [
            "-c", jar, "-b", jar, "--data-urlencode", "email=ada@example.org", "--data-urlencode", "password=\(password)",
            "--data-urlencode", "login_token=\(token)"])
        #expect(signedIn.status == 303, "\(signedIn.body)")

        let redirect = try nginx.request("/artifacts/\(artifact.uuidString.lowercased())/download", arguments: ["-b", jar])
        #expect(redirect.status == 303)
        let location = try #require(redirect.headers["location"])
        #expect(location.hasPrefix("/downloads/"))
        let download = try nginx.request(location)
        #expect(download.status == 200, "\(download.body)")
        #expect(download.body == bytes)
        #expect(download.headers["content-disposition"]?.hasPrefix(#"attachment; filename="Sales 2026-12-02.csv""#) == true)
        #expect(download.headers["content-type"]?.hasPrefix("text/csv") == true)
        #expect(download.headers["x-accel-redirect"] == nil)
        #expect(download.headers["x-content-type-options"] == "nosniff")

        let raw = try runCommand("/usr/bin/curl", ["-sk", "-D", "-", "-o", "/dev/null", nginx.baseURL + location])
        #expect(raw.output.lowercased().components(separatedBy: "content-disposition:").count == 2, "\(raw.output)")

        // nginx's internal location is not reachable from outside; a tampered link serves nothing.
        #expect(try nginx.request("/_artifacts/" + relative).status == 404)
        let tampered = try nginx.request(location.replacingOccurrences(of: "sig=", with: "sig=0"))
        #expect(tampered.status == 403)
        #expect(!tampered.body.contains("Grace"))
        #expect(try store.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'artifact.download'")[0].decode("n", as: Int.self) == 1)
    }
}
