import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// One way to read a list's cursor: parts this server gave out continue the list, anything else is a field error.
struct KeysetTests {
    static let refused = ValidationError(field: "cursor", message: "is not a cursor this server gave out")

    @Test func readsTheTwoPartsItWrote() throws {
        let id = UUID()
        let text = try #require(try Keyset.after(Keyset.parts("Sales", id), key: .text))
        #expect(text.key == "Sales" && text.id == id)
        let instant = try #require(try Keyset.after(["2026-03-29T01:30:00.250000Z", "42"], key: .instant) { Int64($0) })
        #expect(instant.key == "2026-03-29T01:30:00.250000Z" && instant.id == 42)
        #expect(try Keyset.after(nil, key: .text) == nil)
    }

    @Test func refusesPartsItDidNotWrite() {
        let id = UUID().uuidString
        for parts in [[], ["Sales"], ["Sales", "not-a-uuid"], ["Sales", id, "more"]] {
            #expect(throws: Self.refused, "\(parts)") { try Keyset.after(parts, key: .text) }
        }
        for key in ["2026-03-29", "yesterday", "2026-13-29T01:30:00.000000Z", "2026-03-29T01:30:00.000000Z'; --"] {
            #expect(throws: Self.refused, "\(key)") { try Keyset.after([key, id], key: .instant) }
        }
        #expect(throws: Self.refused) { try Keyset.after(["Sales", id], key: .instant) }
        #expect(throws: Self.refused) { try Keyset.after(["2026-03-29T01:30:00.250000Z", "x"], key: .instant) { Int64($0) } }
    }

    /// Every list that pages by a keyset answers a forged cursor the same way (a catalog list used to start over).
    @Test func everyListRefusesAForgedCursor() throws {
        let connection = try PostgresConnection(url: try TestDatabase.create())
        try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
        let user = try AccountService(connection: connection).addUser(email: "root@example.org", role: .admin, password: "an admin passphrase",
                                                                      actor: "test").user
        let admin = Actor.user(Principal(userID: user.id, email: user.email, displayName: "", role: .admin, timeZone: "UTC"))
        let forged = ["x", "y"]
        #expect(throws: Self.refused) { try ReportService(connection: connection).list(actor: admin, after: forged) }
        #expect(throws: Self.refused) { try DestinationService(connection: connection, deliveryRoot: "/tmp").list(actor: admin, after: forged) }
        #expect(throws: Self.refused) {
            try DataSourceService(connection: connection, secretKey: Array(repeating: 1, count: 32)).list(actor: admin, after: forged)
        }
        #expect(throws: Self.refused) { try UserService(connection: connection).list(actor: admin, after: forged) }
        #expect(throws: Self.refused) { try AuditTrail(connection: connection).list(actor: admin, filter: .init(), after: forged) }
        #expect(throws: Self.refused) { try ExecutionHistoryService(connection: connection).list(.init(), limit: 10, after: forged, actor: admin) }
    }
}
