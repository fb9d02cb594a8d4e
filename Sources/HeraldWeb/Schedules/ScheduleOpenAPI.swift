import Foundation
import HeraldCore
import HeraldStore

/// The schedules' part of `/api/openapi.json`.
extension OpenAPIDocument {
    static var schedules: Part {
        let uuid: [String: Any] = ["type": "string", "format": "uuid"]
        let time: [String: Any] = ["type": "string", "format": "date-time"]
        // Optional fields that are absent are left out of the JSON (only Schedule writes its nulls out).
        let nullableTime: [String: Any] = ["type": ["string", "null"], "format": "date-time"]
        let nullableString: [String: Any] = ["type": ["string", "null"]]
        let id = OpenAPI.idParameters(["id"])
        let one = OpenAPI.json(OpenAPI.ref("Schedule"), "The schedule")
        let queued = OpenAPI.json(OpenAPI.ref("ExecutionQueued"), "A run was queued")
        func body(_ schema: String, required: Bool = true) -> [String: Any] {
            ["required": required, "content": ["application/json": ["schema": OpenAPI.ref(schema)]]]
        }
        func op(_ id: String, _ summary: String, _ extra: [String: Any]) -> [String: Any] {
            extra.merging(["operationId": id, "summary": summary]) { a, _ in a }
        }
        func responses(_ ok: [String: Any], _ errors: [String]) -> [String: Any] { ok.merging(OpenAPI.errors(errors)) { a, _ in a } }

        let recurrence: [String: Any] = [
            "type": "object", "required": ["kind", "time_zone"],
            "description": "The schedule engine's recurrence; fields a kind does not use are null or left out.",
            "properties": [
                "kind": ["type": "string", "enum": ["once", "every_minutes", "every_hours", "daily", "weekly", "monthly_day", "monthly_weekday", "custom"]],
                "time_zone": ["type": "string", "description": "IANA zone, such as Europe/Berlin"],
                "at": ["type": ["string", "null"], "description": "once: local YYYY-MM-DDTHH:MM"],
                "interval": ["type": ["integer", "null"]], "minute": ["type": ["integer", "null"]],
                "time": ["type": ["string", "null"], "description": "HH:MM"], "weekdays_only": ["type": ["boolean", "null"]],
                "days": ["type": ["array", "null"], "items": ["type": "integer", "minimum": 0, "maximum": 6]],
                "day_of_month": ["type": ["integer", "null"]], "last_day": ["type": ["boolean", "null"]],
                "ordinal": ["type": ["integer", "null"], "description": "1 to 5, or -1 for the last"],
                "weekday": ["type": ["integer", "null"]], "cron": ["type": ["string", "null"]],
                "starts_at": ["type": ["string", "null"]], "ends_at": ["type": ["string", "null"]], "max_runs": ["type": ["integer", "null"]],
            ],
        ]
        let deliveryCondition: [String: Any] = [
            "type": "object", "required": ["mode"],
            "description": "When a run delivers; a run that does not ends skipped with skip_reason. The comparison fields are used only by if_condition.",
            "properties": [
                "mode": ["type": "string", "enum": DeliveryCondition.Mode.allCases.map(\.rawValue)],
                "measure": ["type": "string", "enum": DeliveryCondition.Measure.allCases.map(\.rawValue),
                            "description": "row_count, or a column's value in the first row, in any row, or its sum"],
                "column": ["type": "string", "maxLength": 63, "description": "The result column first_row, any_row and sum read"],
                "operator": ["type": "string", "enum": DeliveryCondition.Operator.allCases.map(\.rawValue)],
                "threshold": ["type": ["string", "number"],
                              "description": "A number (compared numerically); for first_row and any_row with = or != also any text"],
            ],
        ]
        let writable: [String: Any] = [
            "name": ["type": "string", "maxLength": 200, "description": "Empty: the report's name"],
            "report_id": uuid, "recurrence": OpenAPI.ref("Recurrence"),
            "parameters": ["type": "object", "description": "Values for the report's parameters by name; dates may be relative (today-7d, start_of_month)",
                           "additionalProperties": ["oneOf": [["type": "string"], ["type": "number"], ["type": "boolean"],
                                                              ["type": "array", "items": ["type": ["string", "number", "boolean"]]]]]],
            "destination_ids": ["type": "array", "items": uuid],
            "formats": ["type": "array", "items": ["type": "string", "enum": ScheduleService.formats]],
            "export_options": ["type": "object", "properties": [
                "csv_delimiter": ["type": "string", "enum": ExportOptions.csvDelimiters, "default": "comma"],
                "csv_bom": ["type": "boolean", "default": false, "description": "Start CSV files with a UTF-8 byte-order mark (for Excel)"],
                "pdf_orientation": ["type": "string", "enum": ExportOptions.pdfOrientations, "default": "auto"],
                "zip": ["type": "boolean", "default": false, "description": "Deliver all of a run's files as one zip archive"],
            ]],
            "filename_pattern": ["type": "string"], "naming": ["type": "string", "enum": ["overwrite", "timestamp"]],
            "misfire_policy": ["type": "string", "enum": ["skip", "run_once", "run_all"]],
            "overlap_policy": ["type": "string", "enum": ["skip", "buffer_one", "allow"]],
            "jitter_seconds": ["type": "integer", "minimum": 0, "maximum": 3600], "priority": ["type": "integer", "minimum": 0, "maximum": 9],
            "paused": ["type": "boolean"], "pause_note": ["type": "string", "maxLength": 500],
            "shared_with": ["type": "array", "items": uuid, "description": "User ids; left out: the shares stay as they are"],
            "delivery_condition": OpenAPI.ref("DeliveryCondition"),
            "email_subject": ["type": "string", "maxLength": 500,
                              "description": "Subject for the schedule's email destinations (one line); empty: each destination's own"],
            "email_body_md": ["type": "string", "maxLength": 20000,
                              "description": "Markdown body for the schedule's email destinations; empty: each destination's own"],
            "retention_days": ["type": ["integer", "null"], "minimum": 1, "maximum": 3650,
                               "description": "Days retention keeps this schedule's finished runs and files (pinned runs always); null: HERALD_RETENTION_DAYS"],
            "pause_after_failures": ["type": ["integer", "null"], "minimum": 1, "maximum": 100,
                                     "description": "Pause the schedule by itself after this many consecutive failed or partly delivered runs (counted from its last resume), with the reason as pause_note, and tell its owner; null: never"],
            "deadline_minutes": ["type": ["integer", "null"], "minimum": 1, "maximum": 10080,
                                 "description": "Minutes after each slot by which its run should have succeeded; when it has not (queued, failing, paused automatically) the owner is told once; null: no deadline"],
            "template_id": ["type": ["string", "null"], "format": "uuid",
                            "description": "A distribution template to copy destinations, formats, file naming and message text from (fields the body gives stay as given); the schedule keeps the copy"],
        ]
        .merging(AlertRuleJSON.settingsProperties(nullMeans: "the owner's setting (see alert_rule)")) { a, _ in a }
        var readable = writable
        readable["alert_rule"] = AlertRuleJSON.schema(schedule: true)
        readable["cron"] = ["type": ["string", "null"], "readOnly": true]
        readable["description"] = ["type": "string", "readOnly": true]
        readable["id"] = uuid
        readable["owner_id"] = ["type": ["string", "null"], "format": "uuid"]
        readable["next_run_at"] = nullableTime
        readable["last_run"] = ["oneOf": [["type": "null"], [
            "type": "object", "required": ["id", "status"],
            "properties": ["id": uuid, "status": ["type": "string"], "finished_at": nullableTime],
        ]]]
        readable["created_at"] = time
        readable["updated_at"] = time
        let delivery: [String: Any] = [
            "type": "object", "required": ["id", "channel", "recipient", "status", "attempts"],
            "properties": ["id": uuid, "destination_id": ["type": ["string", "null"], "format": "uuid"], "destination_name": nullableString,
                           "channel": ["type": "string"], "recipient": ["type": "string"], "status": ["type": "string"],
                           "attempts": ["type": "integer"], "last_error": nullableString, "delivered_at": nullableTime],
        ]
        let artifact: [String: Any] = [
            "type": "object", "required": ["id", "format", "file_name", "byte_count"],
            "properties": ["id": uuid, "format": ["type": "string"], "file_name": ["type": "string"], "byte_count": ["type": "integer"]],
        ]
        let schemas: [String: Any] = [
            "Recurrence": recurrence,
            "DeliveryCondition": deliveryCondition,
            "ScheduleInput": ["type": "object", "required": ["report_id", "recurrence"], "properties": writable],
            "SchedulePatch": ["type": "object", "properties": writable,
                              "description": "Only the fields given change; recurrence is replaced as a whole."],
            "Schedule": ["type": "object", "required": readable.keys.sorted(), "properties": readable],
            "ScheduleRun": [
                "type": "object",
                "required": ["id", "scheduled_for", "trigger", "status", "attempts", "truncated", "deliveries", "artifacts"],
                "properties": ["id": uuid, "scheduled_for": time, "trigger": ["type": "string", "enum": ["schedule", "manual", "test", "catch_up", "backfill"]],
                               "status": ["type": "string"], "attempts": ["type": "integer"], "started_at": nullableTime, "finished_at": nullableTime,
                               "duration_seconds": ["type": ["number", "null"]], "row_count": ["type": ["integer", "null"]],
                               "truncated": ["type": "boolean", "description": "The result reached the report's row limit"], "error": nullableString,
                               "parameters": ["type": "object", "description": "The values the run resolved at its logical time"],
                               "skip_reason": ["type": ["string", "null"], "description": "Why the run did not deliver, when skipped"],
                               "superseded": ["type": "boolean", "description": "A backfill re-ran this run's slot; the newer run is the slot's"],
                               "deliveries": ["type": "array", "items": delivery], "artifacts": ["type": "array", "items": artifact]],
            ],
            "SchedulePreview": [
                "type": "object", "required": ["runs", "errors", "warnings", "conflicts"],
                "properties": [
                    "runs": ["type": "array", "items": [
                        "type": "object", "required": ["at", "utc", "schedule_local", "user_local"],
                        "properties": ["at": time, "utc": ["type": "string"], "schedule_local": ["type": "string"],
                                       "user_local": ["type": "string"], "dst_note": nullableString],
                    ]],
                    "errors": ["type": "array", "items": ["type": "object", "required": ["field", "message"],
                                                          "properties": ["field": ["type": "string"], "message": ["type": "string"]]]],
                    "warnings": ["type": "array", "items": ["type": "string"]],
                    "conflicts": ["type": "array", "items": [
                        "type": "object", "required": ["schedule_id", "schedule_name", "run", "other_run", "message"],
                        "properties": ["schedule_id": uuid, "schedule_name": ["type": "string"], "run": time, "other_run": time,
                                       "message": ["type": "string"]],
                    ]],
                    "description": nullableString, "cron": nullableString,
                ],
            ],
            "ExecutionQueued": ["type": "object", "required": ["execution_id", "status"],
                                "properties": ["execution_id": uuid, "status": ["type": "string", "enum": ["queued"]]]],
        ]
        let listParameters = OpenAPI.listParameters + [
            ["name": "status", "in": "query", "schema": ["type": "string", "enum": ["all", "active", "paused", "failing"]]],
            ["name": "q", "in": "query", "schema": ["type": "string"], "description": "Searches schedule and report names"],
        ]
        return Part(paths: [
            "/api/v1/schedules": [
                "get": op("listSchedules", "Schedules you may see, newest first", [
                    "parameters": listParameters,
                    "responses": responses(["200": OpenAPI.json(OpenAPI.listOf("Schedule"), "A page of schedules")], ["401", "422"])]),
                "post": op("createSchedule", "Create a schedule", [
                    "requestBody": body("ScheduleInput"),
                    "responses": responses(["201": OpenAPI.json(OpenAPI.ref("Schedule"), "Created")], ["400", "401", "403", "415", "422"])]),
            ],
            "/api/v1/schedules/preview": [
                "post": op("previewSchedule", "The next runs, field errors and conflicts of a draft; nothing is stored", [
                    "requestBody": body("ScheduleInput"),
                    "responses": responses(["200": OpenAPI.json(OpenAPI.ref("SchedulePreview"), "The preview")], ["400", "401", "415", "422"])]),
            ],
            "/api/v1/schedules/{id}": [
                "get": op("getSchedule", "One schedule", ["parameters": id, "responses": responses(["200": one], ["401", "404"])]),
                "put": op("replaceSchedule", "Replace a schedule's definition", [
                    "parameters": id, "requestBody": body("ScheduleInput"),
                    "responses": responses(["200": one], ["400", "401", "403", "404", "415", "422"])]),
                "patch": op("updateSchedule", "Change some of a schedule's fields", [
                    "parameters": id, "requestBody": body("SchedulePatch"),
                    "responses": responses(["200": one], ["400", "401", "403", "404", "415", "422"])]),
                "delete": op("deleteSchedule", "Delete a schedule and its history", [
                    "parameters": id, "responses": responses(["204": ["description": "Deleted"]], ["401", "403", "404"])]),
            ],
            "/api/v1/schedules/{id}/pause": [
                "post": op("pauseSchedule", "Stop firing, with an optional note", [
                    "parameters": id,
                    "requestBody": ["required": false, "content": ["application/json": ["schema": [
                        "type": "object", "properties": ["note": ["type": "string", "maxLength": 500]]]]]],
                    "responses": responses(["200": one], ["400", "401", "403", "404", "422"])]),
            ],
            "/api/v1/schedules/{id}/resume": [
                "post": op("resumeSchedule", "Fire again from the next slot", [
                    "parameters": id, "responses": responses(["200": one], ["401", "403", "404", "422"])]),
            ],
            "/api/v1/schedules/{id}/run": [
                "post": op("runSchedule", "Queue a run now, to the schedule's destinations", [
                    "parameters": id, "responses": responses(["202": queued], ["401", "403", "404", "422"])]),
            ],
            "/api/v1/schedules/{id}/test": [
                "post": op("testSchedule", "Queue a run delivered only to one destination", [
                    "parameters": id,
                    "requestBody": ["required": true, "content": ["application/json": ["schema": [
                        "type": "object", "required": ["destination_id"], "properties": ["destination_id": uuid]]]]],
                    "responses": responses(["202": queued], ["400", "401", "403", "404", "415", "422"])]),
            ],
            "/api/v1/schedules/{id}/backfill": [
                "post": op("backfillSchedule", "Queue one run per past slot between two dates, run one after another", [
                    "parameters": id,
                    "requestBody": ["required": true, "content": ["application/json": ["schema": [
                        "type": "object", "required": ["from", "to"], "properties": [
                            "from": ["type": "string", "description": "First day (YYYY-MM-DD in the schedule's zone) or an instant (…Z)"],
                            "to": ["type": "string", "description": "Last day, included; not after today"],
                            "rerun": ["type": "boolean", "default": false, "description": "Also run again slots that already ran"]]]]]],
                    "responses": responses(["202": OpenAPI.json([
                        "type": "object", "required": ["created", "rerun", "skipped", "execution_ids"], "properties": [
                            "created": ["type": "integer"], "rerun": ["type": "integer"], "skipped": ["type": "integer"],
                            "execution_ids": ["type": "array", "items": uuid]]], "The runs queued")],
                        ["400", "401", "403", "404", "415", "422"])]),
            ],
            "/api/v1/schedules/{id}/history": [
                "get": op("scheduleHistory", "The schedule's runs, newest slot first, with deliveries and artifacts", [
                    "parameters": id + OpenAPI.listParameters,
                    "responses": responses(["200": OpenAPI.json(OpenAPI.listOf("ScheduleRun"), "A page of runs")], ["401", "404", "422"])]),
            ],
        ], schemas: schemas)
    }
}
