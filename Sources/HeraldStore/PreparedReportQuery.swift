import Foundation
import HeraldCore

/// A report's SQL ready to run for one logical time: its `:name` placeholders turned into `$n` and each bound to the
/// value the schedule gives (or the default), relative dates resolved against the run's slot in the schedule's zone.
/// The worker's run and the report editor's preview both go through this, so a preview queries what a run would.
public struct PreparedReportQuery: Sendable {
    public let sql: String
    public let binds: [String?]
    /// The resolved values in declaration order, as a file's About sheet or title block shows them.
    public let shownValues: [(name: String, value: String)]
    /// The resolved values as JSON (`executions.parameters`); nil for a report without parameters.
    public let resolvedJSON: String?

    /// Throws `ValidationErrors` naming each value that does not fit (`parameters.<name>`) or a bad placeholder.
    public init(sql: String, declared: [ReportParameter], values: [String: ParameterInput], at time: LogicalTime) throws {
        guard !declared.isEmpty || !values.isEmpty else {
            self.sql = sql
            binds = []
            shownValues = []
            resolvedJSON = nil
            return
        }
        let resolved = try ReportParameter.resolve(declared, values: values, at: time)
        let named = try NamedParameterSQL(sql, parameters: declared)
        self.sql = named.sql
        binds = named.bindings(resolved)
        shownValues = declared.map { declaration in
            (declaration.label, resolved[declaration.name].map(Self.shown) ?? "(none)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        resolvedJSON = String(decoding: try encoder.encode(resolved), as: UTF8.self)
    }

    /// The stored JSON forms (`reports.parameters`, `schedules.parameters`), as the worker's claim reads them.
    public init(sql: String, declaredJSON: String, valuesJSON: String, at time: LogicalTime) throws {
        let declared = declaredJSON == "[]" ? [] : try JSONDecoder().decode([ReportParameter].self, from: Data(declaredJSON.utf8))
        let values = valuesJSON == "{}" ? [:] : try JSONDecoder().decode([String: ParameterInput].self, from: Data(valuesJSON.utf8))
        try self.init(sql: sql, declared: declared, values: values, at: time)
    }

    static func shown(_ value: ParameterValue) -> String {
        switch value {
        case .timestamp(let instant): UTCInstant.format(instant, separator: 0x20, seconds: true, suffix: " UTC")
        case .list(let values): values.map(shown).joined(separator: ", ")
        default: value.boundText
        }
    }
}
