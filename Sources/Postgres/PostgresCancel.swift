import CLibPQ
import Foundation

/// Asks the server to cancel whatever a connection is running now (`PQcancel`). Made by the connection's owner
/// before a long statement, it may be used from any other thread while that statement blocks (a watchdog past a
/// deadline); libpq documents `PQcancel` as safe for that. Owns its `PGcancel`.
public final class PostgresCancel: @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSLock()

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request. The statement then fails with SQLSTATE 57014 on the connection's own thread; a
    /// request that arrives after it finished does nothing.
    public func cancel() throws(PostgresError) {
        var buffer = [CChar](repeating: 0, count: 256)
        let sent = lock.withLock { PQcancel(handle, &buffer, Int32(buffer.count)) }
        guard sent == 1 else {
            let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PostgresError(kind: .connection, message: "could not send a cancel request: \(message)")
        }
    }
}

extension PostgresConnection {
    /// A cancel handle for this connection's current session (reconnecting first if the last call found it dead).
    public func makeCancel() throws(PostgresError) -> PostgresCancel {
        guard let cancel = PQgetCancel(try connectedHandle()) else {
            throw PostgresError(kind: .connection, message: "libpq could not make a cancel handle")
        }
        return PostgresCancel(cancel)
    }
}

extension PostgresError {
    /// `57014`: the statement was cancelled (a cancel request, or `statement_timeout`).
    public var isQueryCanceled: Bool { sqlState == "57014" }
}
