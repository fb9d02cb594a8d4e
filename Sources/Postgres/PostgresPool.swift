import Foundation

/// A small blocking pool for code that runs on many threads. Connections open lazily, up to `maxConnections`;
/// a caller waits when all are lent out. A connection that lost its server is dropped instead of returned.
public final class PostgresPool: @unchecked Sendable {
    public let url: String
    public let maxConnections: Int
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var openCount = 0

    public init(url: String, maxConnections: Int) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.url = url
        self.maxConnections = maxConnections
    }

    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    private func checkOut() throws -> PostgresConnection {
        condition.lock()
        while idle.isEmpty && openCount >= maxConnections { condition.wait() }
        if let connection = idle.popLast() {
            condition.unlock()
            return connection
        }
        openCount += 1
        condition.unlock()
        do {
            return try PostgresConnection(url: url)
        } catch {
            condition.lock()
            openCount -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        condition.lock()
        if connection.isConnected { idle.append(connection) } else { openCount -= 1 }
        condition.signal()
        condition.unlock()
    }
}
