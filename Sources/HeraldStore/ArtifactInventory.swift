import Foundation
import Postgres

/// The `artifacts` table as `herald doctor` reads it: every row in keyset pages (so a table of millions costs one
/// page of memory), and batch look-ups from the files on disk back to their rows.
public struct ArtifactInventory {
    /// What a row says its file is.
    public struct RecordedFile: Sendable, Equatable {
        public let id: UUID
        /// Relative to `HERALD_DATA_DIR`.
        public let storagePath: String
        public let byteCount: Int64
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Calls `body` with each page of rows, in id order, until the table is exhausted.
    public func forEachPage(size: Int = 1000, _ body: ([RecordedFile]) throws -> Void) throws {
        var after: UUID?
        while true {
            // Two statements, not `$1 IS NULL OR id > $1`: that form can keep the planner off the primary key's index.
            let rows = try after.map { after in
                try connection.query("SELECT id, storage_path, byte_count FROM artifacts WHERE id > \(after) ORDER BY id LIMIT \(size)")
            } ?? connection.query("SELECT id, storage_path, byte_count FROM artifacts ORDER BY id LIMIT \(size)")
            let page = try rows.map {
                RecordedFile(id: try $0.decode("id"), storagePath: try $0.decode("storage_path"), byteCount: try $0.decode("byte_count"))
            }
            guard let last = page.last else { return }
            try body(page)
            if page.count < size { return }
            after = last.id
        }
    }

    /// Which of these paths (relative to the data folder) some row records.
    public func recordedPaths(among paths: [String]) throws -> Set<String> {
        guard !paths.isEmpty else { return [] }
        return Set(try connection.query("SELECT DISTINCT storage_path FROM artifacts WHERE storage_path = ANY(\(paths)::text[])")
            .map { try $0.decode("storage_path", as: String.self) })
    }

    /// Which of these executions are still queued or running: their renderings may be on disk before their rows.
    public func unfinishedExecutions(among ids: [UUID]) throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return Set(try connection.query("""
            SELECT id FROM executions WHERE id = ANY(\(ids)::uuid[]) AND status IN ('queued', 'running')
            """).map { try $0.decode("id", as: UUID.self) })
    }
}
