import Foundation

/// When a schedule's run delivers: always, only when the result has rows, only when it changed since the last
/// delivered run, or only when a condition on it holds. A run that does not deliver ends `skipped` with a reason.
/// The fields are kept as the JSON spells them, so an API body or a wizard draft with a wrong value still decodes
/// and `validate()` names every bad field at once.
public struct DeliveryCondition: Codable, Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case always
        case ifRows = "if_rows"
        case ifChanged = "if_changed"
        case ifCondition = "if_condition"
    }

    /// What an `if_condition` compares with the threshold.
    public enum Measure: String, Sendable, CaseIterable {
        case rowCount = "row_count"
        case firstRow = "first_row"
        case anyRow = "any_row"
        case sum

        /// Whether the measure reads a named column.
        public var needsColumn: Bool { self != .rowCount }
    }

    public enum Operator: String, Sendable, CaseIterable {
        case less = "<", lessOrEqual = "<=", equal = "=", notEqual = "!=", greaterOrEqual = ">=", greater = ">"

        func holds(_ order: ComparisonResult) -> Bool {
            switch self {
            case .less: order == .orderedAscending
            case .lessOrEqual: order != .orderedDescending
            case .equal: order == .orderedSame
            case .notEqual: order != .orderedSame
            case .greaterOrEqual: order != .orderedAscending
            case .greater: order == .orderedDescending
            }
        }
    }

    public var mode: String
    public var measure: String?
    public var column: String?
    public var `operator`: String?
    /// Decimal text ("5000", "-1.5"); for `first_row`/`any_row` with `=`/`!=` also any text to match exactly.
    public var threshold: String?

    public static let always = DeliveryCondition(mode: Mode.always.rawValue)

    public init(mode: String, measure: String? = nil, column: String? = nil, operator: String? = nil, threshold: String? = nil) {
        self.mode = mode
        self.measure = measure
        self.column = column
        self.operator = `operator`
        self.threshold = threshold
    }

    public init(_ mode: Mode) { self.init(mode: mode.rawValue) }

    public init(measure: Measure, column: String? = nil, _ comparison: Operator, _ threshold: String) {
        self.init(mode: Mode.ifCondition.rawValue, measure: measure.rawValue, column: column, operator: comparison.rawValue,
                  threshold: threshold)
    }

    enum CodingKeys: String, CodingKey {
        case mode, measure, column, `operator`, threshold
    }

    /// The threshold may be a JSON number or a string; the comparison fields are only kept for `if_condition`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? Mode.always.rawValue
        measure = try c.decodeIfPresent(String.self, forKey: .measure)
        column = try c.decodeIfPresent(String.self, forKey: .column)
        `operator` = try c.decodeIfPresent(String.self, forKey: .operator)
        if let text = try? c.decodeIfPresent(String.self, forKey: .threshold) {
            threshold = text
        } else if let number = try? c.decodeIfPresent(Decimal.self, forKey: .threshold) {
            threshold = number.description
        } else if c.contains(.threshold), try !c.decodeNil(forKey: .threshold) {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: [CodingKeys.threshold],
                                                                debugDescription: "threshold must be a number or a string"))
        } else {
            threshold = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        guard mode == Mode.ifCondition.rawValue else { return }
        try c.encodeIfPresent(measure, forKey: .measure)
        try c.encodeIfPresent(column, forKey: .column)
        try c.encodeIfPresent(`operator`, forKey: .operator)
        try c.encodeIfPresent(threshold, forKey: .threshold)
    }

    /// The condition as stored: only the fields its mode uses, trimmed. Call after `validate()` found nothing.
    public var normalized: DeliveryCondition {
        guard mode == Mode.ifCondition.rawValue else { return DeliveryCondition(mode: mode) }
        let trimmedColumn = column?.trimmingCharacters(in: .whitespaces)
        return DeliveryCondition(mode: mode, measure: measure,
                                 column: Measure(rawValue: measure ?? "")?.needsColumn == true ? trimmedColumn : nil,
                                 operator: `operator`, threshold: threshold?.trimmingCharacters(in: .whitespaces))
    }

    /// Every problem, under `delivery_condition.<field>`.
    public func validate() -> [ValidationError] {
        func error(_ field: String, _ message: String) -> ValidationError {
            ValidationError(field: "delivery_condition.\(field)", message: message)
        }
        guard let mode = Mode(rawValue: mode) else {
            return [error("mode", "must be always, if_rows, if_changed or if_condition")]
        }
        guard mode == .ifCondition else { return [] }
        var errors: [ValidationError] = []
        let measure = Measure(rawValue: self.measure ?? "")
        if measure == nil { errors.append(error("measure", "must be row_count, first_row, any_row or sum")) }
        if measure?.needsColumn == true {
            let name = (column ?? "").trimmingCharacters(in: .whitespaces)
            if name.isEmpty {
                errors.append(error("column", "enter the name of a column of the result"))
            } else if name.count > 63 {
                errors.append(error("column", "must be at most 63 characters"))
            }
        }
        let comparison = Operator(rawValue: self.operator ?? "")
        if comparison == nil { errors.append(error("operator", "must be one of < <= = != >= >")) }
        let threshold = (self.threshold ?? "").trimmingCharacters(in: .whitespaces)
        if threshold.isEmpty {
            errors.append(error("threshold", "enter the value to compare with"))
        } else if threshold.count > 200 {
            errors.append(error("threshold", "must be at most 200 characters"))
        } else if DecimalText.parse(threshold) == nil {
            let textAllowed = (measure == .firstRow || measure == .anyRow) && (comparison == nil || comparison == .equal || comparison == .notEqual)
            if !textAllowed {
                errors.append(error("threshold", measure == .firstRow || measure == .anyRow
                    ? "must be a number, unless the comparison is = or !="
                    : "must be a number, such as 5000 or -1.5"))
            }
        }
        return errors
    }

    /// The condition in words for people: "Only if the sum of amount > 5,000".
    public var summary: String {
        switch Mode(rawValue: mode) {
        case .always: return "Always"
        case .ifRows: return "Only if there are rows"
        case .ifChanged: return "Only if the result changed since the last delivered run"
        case .ifCondition:
            let comparison = "\(self.operator ?? "?") \(Self.shown(threshold ?? ""))"
            let name = column ?? ""
            switch Measure(rawValue: measure ?? "") {
            case .rowCount: return "Only if the row count \(comparison)"
            case .firstRow: return "Only if \(name) in the first row \(comparison)"
            case .anyRow: return "Only if some row has \(name) \(comparison)"
            case .sum: return "Only if the total of \(name) \(comparison)"
            case nil: return "Only if a condition holds"
            }
        case nil: return mode
        }
    }

    /// A threshold as reasons show it: numbers grouped ("5,000"), text quoted.
    static func shown(_ threshold: String) -> String {
        DecimalText.parse(threshold).map(DecimalText.format) ?? "“\(threshold)”"
    }
}
