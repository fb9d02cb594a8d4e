import Foundation
import HeraldCore
import HeraldStore
import Testing
@testable import HeraldWeb

struct ScheduleAPITests {
    @Test func createsReadsPatchesAndDeletesASchedule() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        let created = f.api("POST", "/api/v1/schedules", token: token, json: f.body())
        #expect(created.status == .created, "\(text(created))")
        let schedule = jsonObject(created)
        let id = try #require(schedule["id"] as? String)
        for key in ["id", "name", "report_id", "recurrence", "cron", "description", "parameters", "destination_ids", "formats",
                    "filename_pattern", "naming", "misfire_policy", "overlap_policy", "jitter_seconds", "priority", "paused",
                    "pause_note", "shared_with", "owner_id", "next_run_at", "last_run", "created_at", "updated_at"] {
            #expect(schedule.keys.contains(key), "missing \(key)")
        }
        #expect(schedule["cron"] as? String == "0 7 * * *")
        #expect((schedule["recurrence"] as? [String: Any])?["time_zone"] as? String == "Europe/Berlin")
        #expect(schedule["last_run"] is NSNull)

        let read = f.api("GET", "/api/v1/schedules/\(id)", token: token)
        #expect(read.status == .ok)
        #expect(jsonObject(read)["name"] as? String == "Morning")

        let patched = f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: #"{"name": "Evening", "priority": 7}"#)
        #expect(patched.status == .ok, "\(text(patched))")
        #expect(jsonObject(patched)["name"] as? String == "Evening")
        #expect(jsonObject(patched)["priority"] as? Int == 7)
        #expect(jsonObject(patched)["cron"] as? String == "0 7 * * *")

        let replaced = f.api("PUT", "/api/v1/schedules/\(id)", token: token, json: f.body(name: "Replaced", time: "09:45"))
        #expect(replaced.status == .ok, "\(text(replaced))")
        #expect(jsonObject(replaced)["cron"] as? String == "45 9 * * *")
        #expect(jsonObject(replaced)["priority"] as? Int == 5)
        #expect(f.api("PUT", "/api/v1/schedules/\(id)", token: token, json: #"{"name": "no report"}"#).status == .unprocessableContent)

        let paused = f.api("POST", "/api/v1/schedules/\(id)/pause", token: token, json: #"{"note": "holiday"}"#)
        #expect(jsonObject(paused)["paused"] as? Bool == true)
        #expect(jsonObject(paused)["pause_note"] as? String == "holiday")
        #expect(jsonObject(f.api("POST", "/api/v1/schedules/\(id)/resume", token: token))["paused"] as? Bool == false)

        let run = f.api("POST", "/api/v1/schedules/\(id)/run", token: token)
        #expect(run.status.code == 202)
        #expect(jsonObject(run)["execution_id"] is String)
        let test = f.api("POST", "/api/v1/schedules/\(id)/test", token: token, json: #"{"destination_id": "\#(f.folder.uuidString)"}"#)
        #expect(test.status.code == 202, "\(text(test))")
        let history = f.api("GET", "/api/v1/schedules/\(id)/history", token: token)
        #expect((jsonObject(history)["items"] as? [Any])?.count == 2)

        let list = f.api("GET", "/api/v1/schedules", token: token)
        #expect((jsonObject(list)["items"] as? [Any])?.count == 1)
        #expect(jsonObject(list)["next_cursor"] is NSNull)

        #expect(f.api("DELETE", "/api/v1/schedules/\(id)", token: token).status == .noContent)
        #expect(f.api("GET", "/api/v1/schedules/\(id)", token: token).status == .notFound)
    }

    @Test func answers422WithEveryBadField() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        let response = f.api("POST", "/api/v1/schedules", token: token, json: """
            {"name": "x", "report_id": "\(f.bobReport.uuidString)", "destination_ids": ["\(f.bobFolder.uuidString)"],
             "recurrence": {"kind": "every_minutes", "time_zone": "Mars/Base", "interval": 7}, "formats": ["docx"],
             "filename_pattern": "../up", "naming": "x", "misfire_policy": "x", "overlap_policy": "x", "jitter_seconds": -1, "priority": 10,
             "alert_failures": "often", "alert_every": 0}
            """)
        #expect(response.status == .unprocessableContent)
        #expect(response.header("Content-Type") == "application/problem+json")
        let fields = Set(((jsonObject(response)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["report_id", "destination_ids", "time_zone", "formats", "filename_pattern", "naming", "misfire_policy",
                           "overlap_policy", "jitter_seconds", "priority", "alert_failures", "alert_every"])
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
        #expect(f.api("POST", "/api/v1/schedules", token: token, json: "{not json").status == .badRequest)
    }

    @Test func wrongJSONTypesAre422sNamingTheField() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        func errors(_ method: String, _ path: String, _ body: String) -> [[String: String]] {
            let response = f.api(method, path, token: token, json: body)
            #expect(response.status == .unprocessableContent, "\(body): \(text(response))")
            #expect(response.header("Content-Type") == "application/problem+json")
            return ((jsonObject(response)["errors"] as? [[String: Any]]) ?? []).map { $0.compactMapValues { $0 as? String } }
        }
        #expect(errors("POST", "/api/v1/schedules", #"{"name": "x", "priority": "high"}"#)
                == [["field": "priority", "message": "must be an integer"]])
        #expect(errors("POST", "/api/v1/schedules", #"{"priority": 1.5}"#) == [["field": "priority", "message": "must be an integer"]])
        #expect(errors("POST", "/api/v1/schedules", #"{"recurrence": 5}"#) == [["field": "recurrence", "message": "must be an object"]])
        #expect(errors("POST", "/api/v1/schedules", #"{"recurrence": {"time_zone": "UTC"}}"#)
                == [["field": "recurrence.kind", "message": "is required"]])
        #expect(errors("POST", "/api/v1/schedules/preview", #"{"recurrence": {"kind": "daily", "time_zone": 3}}"#)
                == [["field": "recurrence.time_zone", "message": "must be a string"]])
        #expect(errors("POST", "/api/v1/schedules", #"{"destination_ids": ["nope"]}"#)
                == [["field": "destination_ids[0]", "message": "must be a UUID"]])

        let id = try #require(jsonObject(f.api("POST", "/api/v1/schedules", token: token, json: f.body()))["id"] as? String)
        #expect(errors("PATCH", "/api/v1/schedules/\(id)", #"{"paused": "yes"}"#) == [["field": "paused", "message": "must be true or false"]])
        #expect(errors("PATCH", "/api/v1/schedules/\(id)", #"{"alert_in_app": "on"}"#) == [["field": "alert_in_app", "message": "must be true or false"]])
        #expect(errors("POST", "/api/v1/schedules/\(id)/pause", #"{"note": 3}"#) == [["field": "note", "message": "must be a string"]])
        #expect(f.api("PATCH", "/api/v1/schedules/\(id)", token: token, json: #"{"paused": tru"#).status == .badRequest)
        #expect(f.api("POST", "/api/v1/schedules", token: token, json: "[1]").status == .badRequest)
        #expect(f.api("POST", "/api/v1/schedules/\(id)/pause", token: token, json: #"{"note": "#).status == .badRequest)
    }

    @Test func theLimitIsA422() async throws {
        let f = try await ScheduleWebFixture(settings: WebSettings(secretKey: Array(repeating: 3, count: 32), maxSchedulesPerUser: 1))
        let token = try f.token("ada@example.org")
        #expect(f.api("POST", "/api/v1/schedules", token: token, json: f.body()).status == .created)
        let second = f.api("POST", "/api/v1/schedules", token: token, json: f.body(name: "Again"))
        #expect(second.status == .unprocessableContent)
        #expect(text(second).contains("\"field\":\"limit\""))
    }

    @Test func anotherUsersScheduleIs404AndAViewersChangeIs403() async throws {
        let f = try await ScheduleWebFixture()
        let schedule = try f.createSchedule()
        let path = "/api/v1/schedules/\(schedule.id.uuidString)"
        let bob = try f.token("bob@example.org")
        #expect(f.api("GET", path, token: bob).status == .notFound)
        #expect(f.api("PATCH", path, token: bob, json: #"{"name": "mine"}"#).status == .notFound)
        #expect(f.api("DELETE", path, token: bob).status == .notFound)
        #expect(f.api("POST", path + "/run", token: bob).status == .notFound)
        #expect(f.api("GET", path + "/history", token: bob).status == .notFound)

        let vic = try f.token("vic@example.org")
        #expect(f.api("GET", path, token: vic).status == .notFound)
        let ada = try f.token("ada@example.org")
        let shared = f.api("PATCH", path, token: ada, json: #"{"shared_with": ["\#(f.vic.id.uuidString)"]}"#)
        #expect(shared.status == .ok, "\(text(shared))")
        #expect(f.api("GET", path, token: vic).status == .ok)
        #expect(f.api("PATCH", path, token: vic, json: #"{"name": "mine"}"#).status == .forbidden)
        #expect(f.api("DELETE", path, token: vic).status == .forbidden)
        #expect(f.api("POST", path + "/pause", token: vic).status == .forbidden)
        #expect(f.api("POST", path + "/run", token: vic).status == .forbidden)
        #expect(f.api("POST", "/api/v1/schedules", token: vic, json: f.body()).status == .forbidden)
        #expect(jsonObject(f.api("GET", path, token: ada))["name"] as? String == "Morning")
        #expect(jsonObject(f.api("GET", path, token: ada))["paused"] as? Bool == false)
    }

    @Test func previewReturnsRunsAndErrorsAndStoresNothing() async throws {
        let f = try await ScheduleWebFixture()
        let token = try f.token("ada@example.org")
        let preview = f.api("POST", "/api/v1/schedules/preview", token: token, json: f.body())
        #expect(preview.status == .ok)
        #expect((jsonObject(preview)["runs"] as? [Any])?.count == 10)
        let bad = f.api("POST", "/api/v1/schedules/preview", token: token, json: #"{"recurrence": {"kind": "daily", "time_zone": "UTC", "time": "9"}}"#)
        let fields = ((jsonObject(bad)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
        #expect(Set(fields) == ["report_id", "time", "destination_ids"])
        #expect(try f.web.store.query("SELECT count(*)::int AS n FROM schedules")[0].decode("n", as: Int.self) == 0)
    }

    @Test func listsPageWithACursor() async throws {
        let f = try await ScheduleWebFixture()
        for i in 0..<3 { try f.createSchedule(name: "S\(i)") }
        let token = try f.token("ada@example.org")
        let first = jsonObject(f.api("GET", "/api/v1/schedules", token: token, query: "limit=2"))
        #expect((first["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["S2", "S1"])
        let cursor = try #require(first["next_cursor"] as? String)
        let second = jsonObject(f.api("GET", "/api/v1/schedules", token: token, query: "limit=2&cursor=\(cursor)"))
        #expect((second["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["S0"])
        #expect(f.api("GET", "/api/v1/schedules", token: token, query: "cursor=bogus").status == .unprocessableContent)
        #expect(f.api("GET", "/api/v1/schedules", token: token, query: "status=weird").status == .unprocessableContent)
    }
}
