import Foundation
import HeraldCore
import Postgres
import Testing
import TestSupport
@testable import HeraldStore

/// A user reads and marks only their own notifications: newest first in keyset pages, a capped unread count, and
/// another user's notification (an admin's own view included) answered as missing and left as it was.
struct NotificationServiceTests {
    struct Fixture {
        let connection: PostgresConnection
        let ada: Actor
        let bob: Actor
        let admin: Actor
        var service: NotificationService { NotificationService(connection: connection) }

        init() throws {
            let connection = try PostgresConnection(url: try TestDatabase.create())
            try Migrator(connection: connection, migrations: try Migration.bundled()).migrate()
            self.connection = connection
            ada = try Self.actor("ada@example.org", .creator, connection)
            bob = try Self.actor("bob@example.org", .viewer, connection)
            admin = try Self.actor("root@example.org", .admin, connection)
        }

        static func actor(_ email: String, _ role: UserRole, _ connection: PostgresConnection) throws -> Actor {
            let user = try AccountService(connection: connection).addUser(email: email, role: role, password: nil, actor: "test").user
            return .user(Principal(userID: user.id, email: email, displayName: "", role: role, timeZone: "UTC"))
        }

        /// A notification `secondsAgo` old; returns its id.
        @discardableResult
        func add(_ actor: Actor, title: String, secondsAgo: Int, read: Bool = false) throws -> UUID {
            try connection.query("""
                INSERT INTO notifications (user_id, kind, title, body, created_at, read_at)
                VALUES (\(actor.userID!), 'execution.failed', \(title), 'boom', now() - make_interval(secs => \(Double(secondsAgo))),
                        CASE WHEN \(read) THEN now() END)
                RETURNING id
                """)[0].decode("id")
        }

        func readAt(_ id: UUID) throws -> Date? {
            try connection.query("SELECT read_at FROM notifications WHERE id = \(id)")[0].decode("read_at", as: Date?.self)
        }
    }

    @Test func listsTheOwnersNotificationsNewestFirstInPagesWithoutGapsOrRepeats() throws {
        let fx = try Fixture()
        for age in [50, 10, 40, 20, 30] { try fx.add(fx.ada, title: "ada \(age)", secondsAgo: age) }
        // Two at the same instant: the id breaks the tie, so paging neither skips nor repeats one.
        let instant = try fx.connection.query("SELECT now() - interval '35 seconds' AS at")[0].decode("at", as: Date.self)
        for title in ["tie a", "tie b"] {
            try fx.connection.execute("""
                INSERT INTO notifications (user_id, kind, title, created_at) VALUES (\(fx.ada.userID!), 'schedule.broken', \(title), \(instant))
                """)
        }
        try fx.add(fx.bob, title: "bob's", secondsAgo: 5)
        let everything = try fx.service.list(actor: fx.ada, after: nil, limit: 50)
        #expect(everything.next == nil)
        #expect(everything.items.map(\.title).prefix(3) == ["ada 10", "ada 20", "ada 30"])
        #expect(everything.items.map(\.title).suffix(2) == ["ada 40", "ada 50"])
        #expect(Set(everything.items.map(\.title)) == ["ada 10", "ada 20", "ada 30", "tie a", "tie b", "ada 40", "ada 50"])
        var paged: [NotificationRecord] = []
        var after: [String]?
        repeat {
            let page = try fx.service.list(actor: fx.ada, after: after, limit: 2)
            #expect(page.items.count <= 2)
            paged += page.items
            after = page.next
        } while after != nil
        #expect(paged == everything.items)
        #expect(try fx.service.list(actor: fx.bob, after: nil, limit: 50).items.map(\.title) == ["bob's"])
    }

    @Test func theUnreadFilterAndCountSeeOnlyTheOwnersUnreadOnes() throws {
        let fx = try Fixture()
        try fx.add(fx.ada, title: "new", secondsAgo: 1)
        try fx.add(fx.ada, title: "seen", secondsAgo: 2, read: true)
        try fx.add(fx.bob, title: "bob's", secondsAgo: 1)
        #expect(try fx.service.list(actor: fx.ada, unreadOnly: true, after: nil, limit: 50).items.map(\.title) == ["new"])
        #expect(try fx.service.unreadCount(actor: fx.ada) == 1)
        #expect(try fx.service.unreadCount(actor: fx.admin) == 0)
    }

    @Test func theUnreadCountStopsAtItsCap() throws {
        let fx = try Fixture()
        try fx.connection.execute("""
            INSERT INTO notifications (user_id, kind, title) SELECT \(fx.ada.userID!), 'execution.failed', 'n' || i FROM generate_series(1, 150) AS i
            """)
        #expect(try fx.service.unreadCount(actor: fx.ada) == NotificationService.unreadCountCap)
    }

    @Test func anotherUsersNotificationIsNotFoundAndStaysUnread() throws {
        let fx = try Fixture()
        let adas = try fx.add(fx.ada, title: "ada's", secondsAgo: 1)
        for stranger in [fx.bob, fx.admin, Actor.commandLine] {
            #expect(throws: NotFound("notification")) { try fx.service.markRead(id: adas, actor: stranger) }
        }
        #expect(throws: NotFound("notification")) { try fx.service.markRead(id: UUID(), actor: fx.ada) }
        #expect(try fx.readAt(adas) == nil)
        #expect(try fx.service.unreadCount(actor: fx.ada) == 1)
    }

    @Test func markingReadTwiceKeepsTheFirstTime() throws {
        let fx = try Fixture()
        let id = try fx.add(fx.ada, title: "once", secondsAgo: 1)
        let first = try fx.service.markRead(id: id, actor: fx.ada)
        #expect(first.isRead && first.title == "once")
        let firstAt = try #require(try fx.readAt(id))
        let again = try fx.service.markRead(id: id, actor: fx.ada)
        #expect(again.readAt == first.readAt)
        #expect(try fx.readAt(id) == firstAt)
        #expect(try fx.service.unreadCount(actor: fx.ada) == 0)
    }

    @Test func markAllReadLeavesWhatCameLaterAndOtherUsersAlone() throws {
        let fx = try Fixture()
        let old = try fx.add(fx.ada, title: "old", secondsAgo: 120)
        let recent = try fx.add(fx.ada, title: "recent", secondsAgo: 1)
        let bobs = try fx.add(fx.bob, title: "bob's", secondsAgo: 120)
        #expect(try fx.service.markAllRead(actor: fx.ada, through: Date().addingTimeInterval(-60)) == 1)
        #expect(try fx.readAt(old) != nil)
        #expect(try fx.readAt(recent) == nil)
        #expect(try fx.service.markAllRead(actor: fx.ada) == 1)
        #expect(try fx.readAt(recent) != nil)
        #expect(try fx.readAt(bobs) == nil)
        #expect(try fx.service.unreadCount(actor: fx.bob) == 1)
    }

    @Test func aCursorThisServerDidNotGiveOutIsAValidationError() throws {
        let fx = try Fixture()
        #expect(throws: ValidationError.self) { try fx.service.list(actor: fx.ada, after: ["yesterday", "x"], limit: 10) }
    }
}
