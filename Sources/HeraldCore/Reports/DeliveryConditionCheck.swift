import Foundation

/// Whether a run delivers, or is skipped with the reason a person reads in the history.
public enum DeliveryVerdict: Sendable, Equatable {
    case deliver
    case skip(reason: String)
}

/// A result that a condition cannot be checked on: the run fails with this message rather than guessing.
public struct DeliveryConditionError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Decides a run's delivery from the same row stream the renderers get, keeping only what the condition needs
/// (a running sum, the first row's cell, whether any row matched): memory does not grow with the result.
/// Feed `begin` once, `append` per row (PostgreSQL text output, NULL as nil), then ask `verdict`.
public struct DeliveryConditionCheck: Sendable {
    public let condition: DeliveryCondition
    private var columnIndex: Int?
    private var rowsSeen = 0
    private var sum = Decimal(0)
    private var firstValue: String??
    private var matched = false

    /// Call `condition.validate()` first: a condition with problems delivers, as `always` would.
    public init(_ condition: DeliveryCondition) {
        self.condition = condition.normalized
    }

    private var mode: DeliveryCondition.Mode { DeliveryCondition.Mode(rawValue: condition.mode) ?? .always }
    private var measure: DeliveryCondition.Measure? {
        mode == .ifCondition ? DeliveryCondition.Measure(rawValue: condition.measure ?? "") : nil
    }
    private var comparison: DeliveryCondition.Operator { DeliveryCondition.Operator(rawValue: condition.operator ?? "") ?? .equal }
    private var threshold: String { condition.threshold ?? "" }
    private var column: String { condition.column ?? "" }

    /// Finds the named column; throws when the result has none of that name (exact match first, then ignoring case,
    /// as PostgreSQL folds unquoted names to lower case).
    public mutating func begin(columns: [String]) throws(DeliveryConditionError) {
        guard let measure, measure.needsColumn else { return }
        columnIndex = columns.firstIndex(of: column) ?? columns.firstIndex { $0.lowercased() == column.lowercased() }
        guard columnIndex != nil else {
            let listed = columns.prefix(20).joined(separator: ", ") + (columns.count > 20 ? ", …" : "")
            throw DeliveryConditionError("column \(column) is not in the result (columns: \(listed))")
        }
    }

    /// Takes one row; throws when a summed cell is not a number, naming its row (1 is the first row).
    public mutating func append(_ row: [String?]) throws(DeliveryConditionError) {
        rowsSeen += 1
        guard let measure, let index = columnIndex else { return }
        let cell = index < row.count ? row[index] : nil
        switch measure {
        case .rowCount: break
        case .firstRow:
            if firstValue == nil { firstValue = .some(cell) }
        case .anyRow:
            if !matched, let cell, compare(cell) == true { matched = true }
        case .sum:
            guard let cell else { return }
            guard let value = DecimalText.parse(cell) else {
                throw DeliveryConditionError("row \(rowsSeen): \(column) is “\(cell.prefix(100))”, not a number, so it cannot be summed")
            }
            sum += value
        }
    }

    /// The decision. `rowCount` is the rows the run got (after any row limit), `resultDigest` the result's digest,
    /// `lastDelivered` the digest of the schedule's last delivered run and a label for it ("2026-11-30 07:00").
    public func verdict(rowCount: Int, resultDigest: [UInt8], lastDelivered: (digest: [UInt8], label: String)?) -> DeliveryVerdict {
        switch mode {
        case .always:
            return .deliver
        case .ifRows:
            return rowCount > 0 ? .deliver : .skip(reason: "no rows")
        case .ifChanged:
            guard let lastDelivered, lastDelivered.digest == resultDigest else { return .deliver }
            return .skip(reason: "unchanged since the run of \(lastDelivered.label)")
        case .ifCondition:
            return conditionVerdict(rowCount: rowCount)
        }
    }

    private func conditionVerdict(rowCount: Int) -> DeliveryVerdict {
        let expected = "\(comparison.rawValue) \(DeliveryCondition.shown(threshold))"
        switch measure {
        case .rowCount:
            let count = Decimal(rowCount)
            return compare(count) == true ? .deliver : .skip(reason: "row count \(DecimalText.format(count)) is not \(expected)")
        case .firstRow:
            guard let first = firstValue else { return .skip(reason: "no rows") }
            guard let value = first else { return .skip(reason: "\(column) in the first row is empty (NULL), not \(expected)") }
            switch compare(value) {
            case true?: return .deliver
            case false?: return .skip(reason: "\(column) in the first row is \(shownCell(value)), not \(expected)")
            case nil: return .skip(reason: "\(column) in the first row is “\(value.prefix(100))”, not a number to compare with \(DeliveryCondition.shown(threshold))")
            }
        case .anyRow:
            return matched ? .deliver : .skip(reason: "no row has \(column) \(expected)")
        case .sum:
            return compare(sum) == true ? .deliver : .skip(reason: "total \(DecimalText.format(sum)) is not \(expected)")
        case nil:
            return .deliver
        }
    }

    /// A cell against the threshold: numerically when the threshold is a number (nil when the cell is not one),
    /// else as exact text (only `=` and `!=` pass validation then).
    private func compare(_ cell: String) -> Bool? {
        guard let limit = DecimalText.parse(threshold) else {
            return comparison.holds(cell == threshold ? .orderedSame : .orderedAscending)
        }
        guard let value = DecimalText.parse(cell) else { return nil }
        return comparison.holds(Self.order(value, limit))
    }

    private func compare(_ value: Decimal) -> Bool? {
        guard let limit = DecimalText.parse(threshold) else { return nil }
        return comparison.holds(Self.order(value, limit))
    }

    private static func order(_ a: Decimal, _ b: Decimal) -> ComparisonResult {
        a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
    }

    private func shownCell(_ cell: String) -> String {
        DecimalText.parse(cell).map(DecimalText.format) ?? "“\(cell.prefix(100))”"
    }
}
