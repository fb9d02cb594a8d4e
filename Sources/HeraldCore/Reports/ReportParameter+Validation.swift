/// Checks a report's declared parameters when the report is saved, so a schedule never meets a broken one at run time.
extension ReportParameter {
    /// Every problem, each under `parameters[<index>].<key>` as the JSON spells the key.
    public static func validate(_ declarations: [ReportParameter]) -> [ValidationError] {
        var errors: [ValidationError] = []
        var firstIndex: [String: Int] = [:]
        for (index, declaration) in declarations.enumerated() {
            let field = "parameters[\(index)]"
            errors += declaration.problems(field: field)
            if let earlier = firstIndex[declaration.name] {
                errors.append(ValidationError(field: "\(field).name", message: "is already used by parameters[\(earlier)]"))
            } else {
                firstIndex[declaration.name] = index
            }
        }
        return errors
    }

    /// `[a-z_][a-z0-9_]*`, at most 63 bytes (PostgreSQL's identifier length), so `:name` reads unambiguously in SQL.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, first == 0x5F || (0x61...0x7A).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == 0x5F || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }

    func problems(field: String) -> [ValidationError] {
        var errors: [ValidationError] = []
        func add(_ key: String, _ message: String) { errors.append(ValidationError(field: "\(field).\(key)", message: message)) }
        if !Self.isValidName(name) {
            add("name", "must start with a lowercase letter or _, then lowercase letters, digits or _ (at most 63)")
        }
        if label.trimmingCharacters(in: .whitespaces).isEmpty { add("label", "is required") }
        switch (type, itemType) {
        case (.list, nil): add("item_type", "is required for a list (one of text, integer, number, date, timestamp, boolean, choice)")
        case (.list, .list?): add("item_type", "cannot be list: lists of lists are not supported")
        case (.list, _): break
        case (_, _?): add("item_type", "is only for list parameters")
        case (_, nil): break
        }
        if scalarType == .choice {
            let choices = choices ?? []
            if choices.isEmpty { add("choices", "needs at least one allowed value") }
            if Set(choices).count != choices.count { add("choices", "lists a value twice") }
            if choices.contains(where: { $0.isEmpty || $0.utf8.contains(0) }) { add("choices", "must not contain an empty value") }
        } else if choices != nil {
            add("choices", "are only for choice parameters")
        }
        // A default is checked as a schedule's value would be; relative dates resolve the same on any day.
        if errors.isEmpty, let value = self.default {
            do throws(ValidationError) {
                _ = try resolve(value, at: LogicalTime(instant: 0, zone: .utc), field: "\(field).default")
            } catch {
                errors.append(error)
            }
        }
        return errors
    }
}
