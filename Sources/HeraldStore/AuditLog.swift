import Foundation
import Postgres

/// Appends to `audit_log`. `details` must never hold a secret.
public struct AuditLog {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func record(actorID: UUID?, actorLabel: String, action: String, subjectType: String, subjectID: String?,
                       details: [String: String] = [:]) throws {
        try connection.execute("""
            INSERT INTO audit_log (actor_id, actor_label, action, subject_type, subject_id, details)
            VALUES (\(actorID), \(actorLabel), \(action), \(subjectType), \(subjectID), \(PostgresJSON(details))::jsonb)
            """)
    }
}
