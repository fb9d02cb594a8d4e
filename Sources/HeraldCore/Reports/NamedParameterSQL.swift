/// A report's SQL with its `:name` placeholders turned into PostgreSQL's `$1…$n`, so every value is bound by
/// `PQexecParams` and never becomes SQL text. The scan follows PostgreSQL's lexer just far enough to leave alone
/// what is not a placeholder: `::` casts, string literals (`'…''…'`, `E'…\'…'`), quoted identifiers, comments
/// (nested `/* */` and `--`), dollar-quoted bodies and array slices (`a[1:2]`).
public struct NamedParameterSQL: Sendable, Equatable {
    /// The SQL to send, with `$k` where the placeholders were.
    public let sql: String
    /// `names[k - 1]` is bound to `$k`; a name used twice is bound once.
    public let names: [String]
    /// Declared parameters the SQL never uses: worth telling the author, not a reason to refuse the report.
    public let warnings: [ValidationError]

    public init(_ source: String, parameters: [ReportParameter]) throws(ValidationErrors) {
        let types = Dictionary(parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        var scanner = SQLPlaceholderScanner(Array(source.utf8))
        var names: [String] = [], positions: [String: Int] = [:], errors: [ValidationError] = [], reported: Set<String> = []
        func refuse(_ key: String, _ message: String) {
            if reported.insert(key).inserted { errors.append(ValidationError(field: "sql", message: message)) }
        }
        while let token = scanner.next() {
            switch token {
            case .placeholder(let name, let inInList):
                guard let type = types[name] else {
                    refuse(name, "uses :\(name), which is not a declared parameter")
                    scanner.emit(":" + name)
                    continue
                }
                if type == .list && inInList {
                    refuse("in:" + name, "uses IN (:\(name)) with a list parameter; write = ANY(:\(name)) instead")
                }
                if positions[name] == nil {
                    names.append(name)
                    positions[name] = names.count
                }
                scanner.emit("$\(positions[name] ?? 0)")
            case .positional(let text):
                refuse(text, "uses \(text); write named parameters such as :region instead of numbered ones")
                scanner.emit(text)
            }
        }
        guard errors.isEmpty else { throw ValidationErrors(errors) }
        sql = String(decoding: scanner.output, as: UTF8.self)
        self.names = names
        warnings = parameters.enumerated().compactMap { index, parameter in
            positions[parameter.name] == nil
                ? ValidationError(field: "parameters[\(index)].name", message: "is declared but the SQL never uses :\(parameter.name)")
                : nil
        }
    }

    /// The text of each `$k` in order, nil (SQL NULL) for a parameter without a value.
    public func bindings(_ values: [String: ParameterValue]) -> [String?] {
        names.map { values[$0]?.boundText }
    }
}
