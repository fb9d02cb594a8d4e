/// Turns the value a schedule gives (or the default) into a typed value for one run, with a message a person can
/// act on when it does not fit.
extension ReportParameter {
    /// Every declared parameter's value for a run; absent ones without default are left out (bound as NULL).
    /// All problems are reported at once, each under `parameters.<name>`.
    public static func resolve(_ declarations: [ReportParameter], values: [String: ParameterInput],
                               at time: LogicalTime) throws(ValidationErrors) -> [String: ParameterValue] {
        var resolved: [String: ParameterValue] = [:]
        var errors: [ValidationError] = []
        let declared = Set(declarations.map(\.name))
        for name in values.keys.sorted() where !declared.contains(name) {
            errors.append(ValidationError(field: "parameters.\(name)", message: "is not a parameter of this report"))
        }
        for declaration in declarations {
            do throws(ValidationError) {
                resolved[declaration.name] = try declaration.resolve(values[declaration.name], at: time, field: "parameters.\(declaration.name)")
            } catch {
                errors.append(error)
            }
        }
        guard errors.isEmpty else { throw ValidationErrors(errors) }
        return resolved
    }

    /// The typed value of `input`, or of the default when `input` is nil; nil when neither is given and the
    /// parameter is optional.
    public func resolve(_ input: ParameterInput?, at time: LogicalTime, field: String) throws(ValidationError) -> ParameterValue? {
        guard let input = input ?? self.default else {
            if required { throw ValidationError(field: field, message: "is required") }
            return nil
        }
        guard type == .list else { return try scalarValue(input, at: time, field: field) }
        guard case .list(let items) = input else {
            throw ValidationError(field: field, message: "must be a list (of \(Self.described(scalarType)) values)")
        }
        if required && items.isEmpty { throw ValidationError(field: field, message: "needs at least one value") }
        var values: [ParameterValue] = []
        for (index, item) in items.enumerated() {
            values.append(try scalarValue(item, at: time, field: "\(field)[\(index)]"))
        }
        return .list(values)
    }

    func scalarValue(_ input: ParameterInput, at time: LogicalTime, field: String) throws(ValidationError) -> ParameterValue {
        func fail(_ message: String) -> ValidationError { ValidationError(field: field, message: message) }
        switch (scalarType, input) {
        case (.text, .string(let text)):
            guard !text.utf8.contains(0) else { throw fail("must not contain a NUL character") }
            return .text(text)
        case (.text, .integer(let number)):
            return .text(String(number))
        case (.choice, .string(let text)):
            guard let choices, choices.contains(text) else {
                throw fail("“\(text.prefix(40))” is not one of: \((choices ?? []).joined(separator: ", "))")
            }
            return .text(text)
        case (.integer, .integer(let number)):
            return .integer(number)
        case (.integer, .number(let number)) where number.rounded() == number && abs(number) < 9e15:
            return .integer(Int64(number))
        case (.integer, .string(let text)):
            guard let number = Int64(text.trimmingCharacters(in: .whitespaces)) else {
                throw fail("must be a whole number such as 42 (got “\(text.prefix(40))”)")
            }
            return .integer(number)
        case (.number, .integer(let number)):
            return .number(String(number))
        case (.number, .number(let number)):
            return .number(String(number))
        case (.number, .string(let text)):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard JSONText.isNumber(trimmed) else { throw fail("must be a number such as 12.5 (got “\(text.prefix(40))”)") }
            return .number(trimmed)
        case (.boolean, .boolean(let flag)):
            return .boolean(flag)
        case (.boolean, .string(let text)) where ["true", "false"].contains(text.lowercased()):
            return .boolean(text.lowercased() == "true")
        case (.date, .string(let text)):
            return .date(try date(text, at: time, fail: fail))
        case (.timestamp, .string(let text)):
            if let instant = DateParameterText.timestamp(text, in: time) { return .timestamp(instant) }
            return .timestamp(time.startOfDay(try date(text, at: time, fail: fail)))
        default:
            throw fail(Self.mustBe(scalarType))
        }
    }

    /// An absolute `YYYY-MM-DD` or a relative date resolved against the run's local date.
    func date(_ text: String, at time: LogicalTime, fail: (String) -> ValidationError) throws(ValidationError) -> CivilDate {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let date = DateParameterText.date(trimmed) ?? RelativeDate.resolve(trimmed, today: time.localDate) else {
            if RelativeDate.startsWithKeyword(trimmed) {
                throw fail("has an offset that is not understood; write a sign, a number and d, w, m or y, as in today-7d")
            }
            let example = scalarType == .timestamp ? "2026-03-01T08:00:00Z" : "2026-03-01"
            throw fail("must be a date such as \(example), or a relative date such as today, yesterday, start_of_month or today-7d (got “\(text.prefix(40))”)")
        }
        guard (1...9999).contains(date.year) else { throw fail("lands outside the years 1 to 9999") }
        return date
    }

    static func described(_ type: ParameterType) -> String {
        switch type {
        case .text: "text"
        case .integer: "whole number"
        case .number: "number"
        case .date: "date"
        case .timestamp: "date and time"
        case .boolean: "true or false"
        case .choice: "choice"
        case .list: "list"
        }
    }

    static func mustBe(_ type: ParameterType) -> String {
        switch type {
        case .text, .boolean: "must be \(described(type))"
        case .choice: "must be one of the choices"
        default: "must be a \(described(type))"
        }
    }
}
