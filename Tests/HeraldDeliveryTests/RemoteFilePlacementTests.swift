import Foundation
import HeraldCore
import Testing
@testable import HeraldDelivery

/// The naming rules SFTP and FTP share, without a server.
struct RemoteFilePlacementTests {
    @Test func aStampGoesBeforeTheExtension() {
        #expect(RemoteFilePlacement.stamped("Sales.csv", slot: "2026-11-23 07:05:09") == "Sales_20261123070509.csv")
        #expect(RemoteFilePlacement.stamped("Sales.csv.zip", slot: "2026-11-23 07:05:09") == "Sales.csv_20261123070509.zip")
        #expect(RemoteFilePlacement.stamped("Sales", slot: "2026-11-23 07:05") == "Sales_20261123070500")
    }

    @Test func aTemporaryNameIsHiddenUniqueAndMarked() {
        let first = RemoteFilePlacement.temporaryName(for: "Sales.csv")
        #expect(first.hasPrefix(".Sales.csv."))
        #expect(first.hasSuffix(".herald-part"))
        #expect(first != RemoteFilePlacement.temporaryName(for: "Sales.csv"))
        #expect(RemoteFilePlacement.temporaryName(for: String(repeating: "x", count: 400)).utf8.count < 200)
    }

    @Test func pathsKeepTheirBaseAndEncodeForURLs() throws {
        let absolute = RemoteFilePath(base: "/srv/out", folders: ["Sales Report"], name: "a#b?.csv")
        #expect(absolute.display == "/srv/out/Sales Report/a#b?.csv")
        #expect(RemoteFilePath(base: "", folders: [], name: "x.csv").display == "x.csv")
        #expect(RemoteFilePath(base: "~/drop", folders: [], name: "x.csv").display == "drop/x.csv")
        #expect(RemoteFilePath.urlSegment("a b#?%é") == "a%20b%23%3F%25%C3%A9")
        #expect(RemoteFilePath.urlHost("::1") == "[::1]")
    }

    @Test func theTargetFollowsThePatternUnderTheBase() throws {
        struct Settings: RemoteFileSettings {
            var host = "h", port: Int? = nil, username = "u", path: String? = "/srv/out"
            var filename: String? = "{report_name}/{date:yyyy}/{report_name}.{format}", ifExists: IfExists? = nil
        }
        let placement = try RemoteFilePlacement(Settings())
        let context = DeliveryContext(reportName: "../../etc", localDateTime: "2026-11-23 07:00:00", executionID: UUID())
        let target = placement.target(for: RenderedFile(path: "/tmp/x", format: "csv"), context: context)
        #expect(target.absolute)
        #expect(target.folders.prefix(2) == ["srv", "out"])
        #expect(target.folders.count == 4)
        #expect(!target.folders.contains(".."))
        #expect(target.name.hasSuffix(".csv"))
        #expect(placement.ifExists == .overwrite)
    }
}
