import Foundation
import HeraldCore
import HeraldStore

/// What each step's form changes in the draft. A value that does not parse is kept as something the service
/// refuses with a message beside the field, never silently dropped to a default.
enum WizardForm {
    static func apply(_ form: [String: [String]], step: WizardStep, to draft: inout ScheduleDraft, defaultZone: String) {
        func value(_ name: String) -> String { (form[name]?.first ?? "").trimmingCharacters(in: .whitespaces) }
        func optional(_ name: String) -> String? { let v = value(name); return v.isEmpty ? nil : v }
        func integer(_ name: String, invalid: Int) -> Int? { optional(name).map { Int($0) ?? invalid } }
        switch step {
        case .report:
            draft.reportID = UUID(uuidString: value("report_id"))
            draft.name = form["name"]?.first ?? ""
        case .frequency:
            let kind = Recurrence.Kind(rawValue: value("kind")) ?? .daily
            var r = Recurrence(kind: kind, timeZone: optional("time_zone") ?? defaultZone)
            switch kind {
            case .once: r.at = optional("at")
            case .everyMinutes: r.interval = integer("interval_minutes", invalid: 7)
            case .everyHours:
                r.interval = integer("interval_hours", invalid: 5)
                r.minute = integer("minute", invalid: -1) ?? 0
            case .daily:
                r.time = optional("time")
                r.weekdaysOnly = value("weekdays_only") == "on"
            case .weekly:
                r.time = optional("time")
                r.days = (form["days"] ?? []).compactMap(Int.init)
            case .monthlyDay:
                r.time = optional("time")
                if value("last_day") == "on" { r.lastDay = true } else { r.dayOfMonth = integer("day_of_month", invalid: 0) }
            case .monthlyWeekday:
                r.time = optional("time")
                r.ordinal = integer("ordinal", invalid: 0)
                r.weekday = integer("weekday", invalid: -1)
            case .custom: r.cron = optional("cron")
            }
            r.startsAt = optional("starts_at")
            r.endsAt = optional("ends_at")
            r.maxRuns = integer("max_runs", invalid: 0)
            draft.recurrence = r
            draft.misfirePolicy = value("misfire_policy")
            draft.overlapPolicy = value("overlap_policy")
            draft.jitterSeconds = integer("jitter_seconds", invalid: -1) ?? 0
        case .parameters:
            // `param.<name>` is one value, `param_items.<name>` a comma-separated list, `param_multi.<name>` one
            // checkbox per chosen item. Left empty, a parameter takes the report's default.
            var values: [String: ParameterInput] = [:]
            for (key, entries) in form {
                let items: [String]
                if key.hasPrefix("param.") {
                    let text = (entries.first ?? "").trimmingCharacters(in: .whitespaces)
                    if !text.isEmpty { values[String(key.dropFirst(6))] = .string(text) }
                    continue
                } else if key.hasPrefix("param_items.") {
                    items = (entries.first ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                } else if key.hasPrefix("param_multi.") {
                    items = entries
                } else {
                    continue
                }
                let name = String(key[key.index(after: key.firstIndex(of: ".")!)...])
                let kept = items.filter { !$0.isEmpty }
                if !kept.isEmpty { values[name] = .list(kept.map { .string($0) }) }
            }
            draft.parameters = values
        case .distribution:
            draft.destinationIDs = (form["destination_ids"] ?? []).compactMap(UUID.init(uuidString:))
            draft.formats = form["formats"] ?? []
            draft.exportOptions = ExportOptions(csvDelimiter: value("csv_delimiter").nonEmpty ?? "comma", csvByteOrderMark: value("csv_bom") == "on",
                                                pdfOrientation: value("pdf_orientation").nonEmpty ?? "auto", zip: value("zip") == "on")
            draft.filenamePattern = value("filename_pattern")
            draft.naming = value("naming")
            draft.deliveryCondition = deliveryCondition(value)
            // Shown only when an email destination may be chosen: a form without them keeps the draft's.
            if let subject = form["email_subject"]?.first { draft.emailSubject = subject }
            if let body = form["email_body_md"]?.first { draft.emailBodyMd = body }
            WizardAlertsView.apply(value, to: &draft)
        case .review:
            draft.pauseNote = form["pause_note"]?.first ?? ""
        }
    }

    /// The "Deliver" fieldset: a form without it (an older page) keeps delivering always; the comparison fields
    /// are sent always (no JavaScript needed) and kept only for "only if a condition holds".
    static func deliveryCondition(_ value: (String) -> String) -> DeliveryCondition {
        let mode = value("delivery_mode")
        guard mode == DeliveryCondition.Mode.ifCondition.rawValue else {
            return DeliveryCondition(mode: mode.isEmpty ? DeliveryCondition.Mode.always.rawValue : mode)
        }
        return DeliveryCondition(mode: mode, measure: value("delivery_measure"), column: value("delivery_column"),
                                 operator: value("delivery_operator"), threshold: value("delivery_threshold"))
    }
}
