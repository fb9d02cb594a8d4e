import Foundation

extension OpenAPIDocument {
    /// `/api/v1/executions…`, `/api/v1/artifacts/{id}/link` and `/api/v1/status`.
    static var executions: Part {
        let id = OpenAPI.idParameters(["id"])
        let uuid: [String: Any] = ["type": "string", "format": "uuid"]
        let instant: [String: Any] = ["type": "string", "format": "date-time"]
        func nullable(_ schema: [String: Any]) -> [String: Any] {
            var copy = schema
            copy["type"] = [schema["type"] as? String ?? "string", "null"]
            return copy
        }
        let status: [String: Any] = ["type": "string", "enum": ["queued", "running", "succeeded", "partial", "failed", "skipped", "cancelled"]]
        let trigger: [String: Any] = ["type": "string", "enum": ["schedule", "catch_up", "manual", "test", "backfill"]]
        let filters: [[String: Any]] = [
            ["name": "status", "in": "query", "schema": status, "description": "Only runs with this status"],
            ["name": "schedule_id", "in": "query", "schema": uuid, "description": "Only this schedule's runs"],
            ["name": "from", "in": "query", "schema": ["type": "string"],
             "description": "Runs whose slot is at or after this instant (YYYY-MM-DDTHH:MM:SSZ) or the start of this UTC day (YYYY-MM-DD)"],
            ["name": "to", "in": "query", "schema": ["type": "string"],
             "description": "Runs whose slot is before this instant, or before the end of this UTC day (YYYY-MM-DD)"],
        ]
        // Keys whose value may be null are left out of the object when null (summaries, deliveries, artifacts).
        let truncated: [String: Any] = ["type": "boolean", "description": "The result reached the report's row limit: row_count rows were kept, the rest cut"]
        let pinned: [String: Any] = ["type": "boolean", "description": "Kept by retention whatever its age (POST …/pin, …/unpin)"]
        let execution: [String: Any] = [
            "type": "object",
            "required": ["id", "schedule_name", "report_id", "report_name", "scheduled_for", "trigger", "status", "attempts", "priority",
                         "truncated", "pinned"],
            "properties": [
                "id": uuid, "schedule_id": uuid, "schedule_name": ["type": "string"], "report_id": uuid, "report_name": ["type": "string"],
                "scheduled_for": instant, "trigger": trigger, "status": status, "attempts": ["type": "integer"],
                "priority": ["type": "integer", "minimum": 0, "maximum": 9], "started_at": instant, "finished_at": instant,
                "row_count": ["type": "integer"], "truncated": truncated, "pinned": pinned, "error": ["type": "string"],
                "parameters": ["type": "object", "description": "The parameter values the run resolved at its logical time"],
                "report_version": ["type": "integer", "description": "The version of the report's SQL and parameters it ran"],
            ],
        ]
        let delivery: [String: Any] = [
            "type": "object",
            "required": ["id", "destination_name", "channel", "recipient", "status", "attempts", "created_at", "updated_at"],
            "properties": [
                "id": uuid, "destination_id": uuid, "destination_name": ["type": "string"], "channel": ["type": "string"],
                "recipient": ["type": "string"],
                "status": ["type": "string", "enum": ["pending", "sending", "succeeded", "failed", "dead"]],
                "attempts": ["type": "integer"], "next_attempt_at": instant, "last_error": ["type": "string"], "detail": ["type": "string"],
                "delivered_at": instant, "created_at": instant, "updated_at": instant,
            ],
        ]
        let artifact: [String: Any] = [
            "type": "object",
            "required": ["id", "execution_id", "format", "file_name", "byte_count", "sha256", "created_at"],
            "properties": [
                "id": uuid, "execution_id": uuid, "format": ["type": "string"], "file_name": ["type": "string"],
                "byte_count": ["type": "integer"], "sha256": ["type": "string", "pattern": "^[0-9a-f]{64}$"],
                "created_at": instant, "expires_at": instant,
            ],
        ]
        let detailKeys = ["id", "schedule_id", "schedule_name", "report_id", "report_name", "scheduled_for", "trigger", "status", "step",
                          "attempts", "priority", "enqueued_at", "started_at", "finished_at", "row_count", "truncated", "pinned", "lateness_ms", "missed_count",
                          "skip_reason", "dead_lettered_at", "error", "requested_by", "created_at", "steps", "deliveries", "artifacts"]
        let detail: [String: Any] = [
            "type": "object", "required": detailKeys,
            "properties": [
                "id": uuid, "schedule_id": nullable(uuid), "schedule_name": ["type": "string"], "report_id": uuid,
                "report_name": ["type": "string"], "scheduled_for": instant, "trigger": trigger, "status": status,
                "step": nullable(["type": "string"]), "attempts": ["type": "integer"], "priority": ["type": "integer", "minimum": 0, "maximum": 9],
                "enqueued_at": nullable(instant), "started_at": nullable(instant), "finished_at": nullable(instant),
                "row_count": nullable(["type": "integer"]), "truncated": truncated, "pinned": pinned,
                "parameters": ["type": "object", "description": "The parameter values the run resolved at its logical time (relative dates as the dates they became)"],
                "report_version": nullable(["type": "integer"]), "lateness_ms": nullable(["type": "number"]), "missed_count": ["type": "integer"],
                "skip_reason": nullable(["type": "string"]), "dead_lettered_at": nullable(instant), "error": nullable(["type": "string"]),
                "requested_by": nullable(["type": "string", "description": "E-mail of who asked for a manual or test run"]),
                "created_at": instant,
                "steps": ["type": "array", "items": [
                    "type": "object", "required": ["name", "seconds"],
                    "properties": ["name": ["type": "string"], "seconds": ["type": "number"]]]],
                "deliveries": ["type": "array", "items": OpenAPI.ref("Delivery")],
                "artifacts": ["type": "array", "items": OpenAPI.ref("Artifact")],
            ],
        ]
        let link: [String: Any] = [
            "type": "object", "required": ["url", "expires_at"],
            "properties": ["url": ["type": "string", "format": "uri", "description": "Signed download link; works without a session until expires_at"],
                           "expires_at": instant],
        ]
        let period: [String: Any] = [
            "type": "object", "required": ["hours", "ended", "succeeded", "success_rate", "average_seconds"],
            "description": "Runs that ended in the period (succeeded, partial or failed)",
            "properties": ["hours": ["type": "integer"], "ended": ["type": "integer"], "succeeded": ["type": "integer"],
                           "success_rate": ["type": ["number", "null"], "minimum": 0, "maximum": 1],
                           "average_seconds": ["type": ["number", "null"], "description": "From start to end"]],
        ]
        let statusSchema: [String: Any] = [
            "type": "object", "required": ["queue", "workers", "redis_error", "runs_last_24h", "upcoming", "last_24h", "last_7d",
                                           "slowest_schedules", "failing_schedules", "failing_total", "dead_letters_waiting", "breakers_open"],
            "properties": [
                "queue": ["type": "array", "items": [
                    "type": "object", "required": ["priority", "depth"],
                    "properties": ["priority": ["type": "integer", "minimum": 0, "maximum": 9], "depth": ["type": "integer", "minimum": 0]]]],
                "workers": ["type": "array", "items": [
                    "type": "object", "required": ["id", "role", "version", "host", "pid", "started_at", "beat_at", "in_flight"],
                    "properties": ["id": ["type": "string"], "role": ["type": "string"], "version": ["type": "string"], "host": ["type": "string"],
                                   "pid": ["type": "integer"], "started_at": instant, "beat_at": instant, "in_flight": ["type": "integer"]]]],
                "redis_error": ["type": ["string", "null"]],
                "runs_last_24h": ["type": "object", "additionalProperties": ["type": "integer"],
                                  "description": "Runs whose slot is in the last 24 hours, by status (every status present)"],
                "upcoming": [
                    "type": "object", "required": ["time_zone", "days", "total", "truncated", "cells"],
                    "properties": ["time_zone": ["type": "string"], "days": ["type": "integer"], "total": ["type": "integer"],
                                   "truncated": ["type": "boolean"],
                                   "cells": ["type": "array", "description": "7 rows (Monday first) of 24 hourly counts, UTC",
                                             "items": ["type": "array", "items": ["type": "integer"]]]]],
                "last_24h": period, "last_7d": period,
                "slowest_schedules": ["type": "array", "description": "Longest average run time over 7 days, slowest first (at most 5)", "items": [
                    "type": "object", "required": ["id", "name", "runs", "average_seconds", "longest_seconds"],
                    "properties": ["id": uuid, "name": ["type": "string"], "runs": ["type": "integer"],
                                   "average_seconds": ["type": "number"], "longest_seconds": ["type": "number"]]]],
                "failing_schedules": ["type": "array", "description": "Schedules whose last run failed or was partly delivered (at most 10)", "items": [
                    "type": "object", "required": ["id", "name", "status", "finished_at", "error"],
                    "properties": ["id": uuid, "name": ["type": "string"], "status": ["type": "string", "enum": ["failed", "partial"]],
                                   "finished_at": ["anyOf": [instant, ["type": "null"]]], "error": ["type": ["string", "null"]]]]],
                "failing_total": ["type": "integer", "minimum": 0],
                "dead_letters_waiting": ["type": "integer", "minimum": 0, "description": "Dead-lettered runs not re-queued since"],
                "breakers_open": ["type": ["array", "null"], "description": "Hosts whose circuit breaker is open; null when Redis could not be read",
                                  "items": ["type": "object", "required": ["host", "open_until"],
                                            "properties": ["host": ["type": "string"], "open_until": instant]]],
            ],
        ]
        return Part(paths: [
            "/api/v1/executions": ["get": [
                "summary": "Runs you may see, newest slot first", "operationId": "listExecutions",
                "parameters": OpenAPI.listParameters + filters,
                "responses": ["200": OpenAPI.json(OpenAPI.listOf("ExecutionSummary"), "One page of runs")]
                    .merging(OpenAPI.errors(["401", "422"])) { a, _ in a },
            ]],
            "/api/v1/executions/{id}": ["get": [
                "summary": "One run with its steps, deliveries and artifacts", "operationId": "getExecution", "parameters": id,
                "responses": ["200": OpenAPI.json(OpenAPI.ref("Execution"), "The run")].merging(OpenAPI.errors(["401", "404"])) { a, _ in a },
            ]],
            "/api/v1/executions/{id}/resend": ["post": [
                "summary": "Send a finished run's failed deliveries again (the schedule's owner or an admin)", "operationId": "resendExecution",
                "parameters": id,
                "responses": ["202": OpenAPI.json(OpenAPI.ref("Execution"), "Queued again with its failed deliveries pending")]
                    .merging(OpenAPI.errors(["401", "403", "404", "422"])) { a, _ in a },
            ]],
            "/api/v1/executions/{id}/requeue": ["post": [
                "summary": "Run a dead-lettered run again (admins)", "operationId": "requeueExecution", "parameters": id,
                "responses": ["202": OpenAPI.json(OpenAPI.ref("Execution"), "Queued again")]
                    .merging(OpenAPI.errors(["401", "403", "404", "422"])) { a, _ in a },
            ]],
            "/api/v1/executions/{id}/pin": ["post": [
                "summary": "Keep a run and its files past retention (the schedule's owner or an admin)", "operationId": "pinExecution",
                "parameters": id,
                "responses": ["200": OpenAPI.json(OpenAPI.ref("Execution"), "The run, pinned")]
                    .merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a },
            ]],
            "/api/v1/executions/{id}/unpin": ["post": [
                "summary": "Let a pinned run expire with the others (the schedule's owner or an admin)", "operationId": "unpinExecution",
                "parameters": id,
                "responses": ["200": OpenAPI.json(OpenAPI.ref("Execution"), "The run, no longer pinned")]
                    .merging(OpenAPI.errors(["401", "403", "404"])) { a, _ in a },
            ]],
            "/api/v1/artifacts/{id}/link": ["get": [
                "summary": "A signed, expiring download link for a run's file (the request is audit-logged)", "operationId": "artifactLink",
                "parameters": id,
                "responses": ["200": OpenAPI.json(OpenAPI.ref("ArtifactLink"), "The link")].merging(OpenAPI.errors(["401", "404"])) { a, _ in a },
            ]],
            "/api/v1/status": ["get": [
                "summary": "Queue depth per priority, workers' heartbeats, the last 24 hours' runs, the next 7 days' runs by weekday and hour",
                "operationId": "status",
                "responses": ["200": OpenAPI.json(OpenAPI.ref("Status"), "The status")].merging(OpenAPI.errors(["401"])) { a, _ in a },
            ]],
        ], schemas: ["ExecutionSummary": execution, "Execution": detail, "Delivery": delivery, "Artifact": artifact,
                     "ArtifactLink": link, "Status": statusSchema])
    }
}
