import Foundation
import Testing
@testable import Postgres

/// The uuid text codec says what Foundation says, in PostgreSQL's lowercase, and refuses what is not a uuid.
struct PostgresUUIDTests {
    @Test func roundTripsAndMatchesFoundation() throws {
        for _ in 0..<200 {
            let id = UUID()
            #expect(PostgresUUID.format(id) == id.uuidString.lowercased())
            #expect(PostgresUUID.parse(id.uuidString.lowercased()) == id)
            #expect(PostgresUUID.parse(id.uuidString) == id)
        }
        #expect(PostgresUUID.parse("00000000-0000-0000-0000-000000000000") == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        #expect(try UUID(postgresText: "ffffffff-ffff-ffff-ffff-ffffffffffff").uuidString == "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")
    }

    @Test func refusesWhatIsNotAUUID() {
        for text in ["", "0", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
                     "00000000x0000-0000-0000-000000000000", "0000000g-0000-0000-0000-000000000000",
                     "{00000000-0000-0000-0000-000000000000}", "00000000-0000-0000-0000-00000000000é"] {
            #expect(PostgresUUID.parse(text) == nil, "\(text)")
        }
        #expect(throws: PostgresError.self) { try UUID(postgresText: "not-a-uuid") }
    }
}
