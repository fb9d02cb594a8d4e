import Foundation
import HeraldCore

/// The IANA zones offered in a time-zone select: the canonical ones of the system's tzdata (`zone1970.tab`) and UTC,
/// sorted, read once. A stored zone missing from the list (an alias such as `US/Eastern`) is still offered, so
/// a form never silently changes it.
enum UserZoneChoices {
    struct Option: Sendable, Encodable { let value: String; let selected: Bool }

    static let all: [String] = {
        let text = ["/usr/share/zoneinfo/zone1970.tab", "/usr/share/zoneinfo/zone.tab"].lazy
            .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.first ?? ""
        var zones = Set(["UTC"])
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(separator: "\t")
            if columns.count >= 3 { zones.insert(String(columns[2])) }
        }
        return zones.sorted()
    }()

    static func options(selected: String) -> [Option] {
        var zones = all
        if !zones.contains(selected) { zones.insert(selected, at: 0) }
        return zones.map { Option(value: $0, selected: $0 == selected) }
    }
}
