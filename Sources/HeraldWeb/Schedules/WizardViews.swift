import Foundation
import HeraldCore
import HeraldStore

/// A radio button, checkbox or select option.
struct Choice: Sendable, Encodable {
    let value: String
    let label: String
    let checked: Bool
}

/// Step 1.
struct ReportStepView: Sendable, Encodable {
    let reports: [Choice]
    let name: String
    let hasReports: Bool
}

/// Step 2: every recurrence kind's fields (all visible without JavaScript), bounds, policies, and the preview.
struct FrequencyStepView: Sendable, Encodable {
    let kinds: [Choice]
    let timeZone: String
    let at: String
    let time: String
    let weekdaysOnly: Bool
    let days: [Choice]
    let minuteIntervals: [Choice]
    let hourIntervals: [Choice]
    let minute: String
    let dayOfMonth: String
    let lastDay: Bool
    let ordinals: [Choice]
    let weekdays: [Choice]
    let cron: String
    let startsAt: String
    let endsAt: String
    let maxRuns: String
    let misfire: [Choice]
    let overlap: [Choice]
    let jitter: String
    let description: String?
    let runs: [UpcomingRunView]
    let hasRuns: Bool
    let warnings: [String]
    let conflicts: [String]

    init(_ draft: ScheduleDraft, userZone: String, preview: SchedulePreviewResult?) {
        let r = draft.recurrence ?? Recurrence(kind: .daily, timeZone: userZone, time: "07:00")
        func choices<T: Equatable>(_ items: [(T, String)], _ current: T?, value: (T) -> String) -> [Choice] {
            items.map { Choice(value: value($0.0), label: $0.1, checked: $0.0 == current) }
        }
        let kindLabels: [(Recurrence.Kind, String)] = [
            (.once, "Once"), (.everyMinutes, "Every few minutes"), (.everyHours, "Every few hours"), (.daily, "Every day (or every weekday)"),
            (.weekly, "Every week, on chosen days"), (.monthlyDay, "Every month, on a day (or the last day)"),
            (.monthlyWeekday, "Every month, on a weekday (such as the first Monday)"), (.custom, "A cron expression"),
        ]
        kinds = choices(kindLabels, r.kind) { $0.rawValue }
        timeZone = r.timeZone
        at = r.at ?? ""
        time = r.time ?? "07:00"
        weekdaysOnly = r.weekdaysOnly ?? false
        let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        days = dayNames.enumerated().map { Choice(value: String($0.offset), label: $0.element, checked: r.days?.contains($0.offset) ?? false) }
        minuteIntervals = choices([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30].map { ($0, "\($0) minutes") }, r.kind == .everyMinutes ? r.interval : 15) { String($0) }
        hourIntervals = choices([1, 2, 3, 4, 6, 8, 12].map { ($0, "\($0) hours") }, r.kind == .everyHours ? r.interval : 1) { String($0) }
        minute = String(r.minute ?? 0)
        dayOfMonth = r.dayOfMonth.map(String.init) ?? "1"
        lastDay = r.lastDay ?? false
        ordinals = choices([(1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (5, "fifth"), (-1, "last")], r.ordinal ?? 1) { String($0) }
        weekdays = dayNames.enumerated().map { Choice(value: String($0.offset), label: $0.element, checked: $0.offset == (r.weekday ?? 1)) }
        cron = r.cron ?? ""
        startsAt = r.startsAt ?? ""
        endsAt = r.endsAt ?? ""
        maxRuns = r.maxRuns.map(String.init) ?? ""
        misfire = choices(MisfirePolicy.allCases.map { ($0.rawValue, ScheduleWording.misfire($0.rawValue)) }, draft.misfirePolicy) { $0 }
        overlap = choices(OverlapPolicy.allCases.map { ($0.rawValue, ScheduleWording.overlap($0.rawValue)) }, draft.overlapPolicy) { $0 }
        jitter = String(draft.jitterSeconds)
        description = draft.recurrence == nil ? nil : preview?.description
        runs = (draft.recurrence == nil ? [] : preview?.runs ?? []).map {
            UpcomingRunView(iso: $0.utc, scheduleLocal: $0.scheduleLocal, userLocal: $0.userLocal, utc: $0.utc, note: $0.dstNote)
        }
        hasRuns = !runs.isEmpty
        warnings = draft.recurrence == nil ? [] : preview?.warnings ?? []
        conflicts = preview?.conflicts.map(\.message) ?? []
    }
}

/// Step 3: one input per declared parameter, typed by its kind (text, a select for a choice or true/false,
/// checkboxes for a list of choices, comma-separated text for other lists), its error beside it.
struct ParametersStepView: Sendable, Encodable {
    struct Field: Sendable, Encodable {
        let id: String
        let inputName: String
        let label: String
        let hint: String
        let value: String
        let error: String?
        let textInput: Bool
        let select: Bool
        let checkboxes: Bool
        let options: [Choice]
    }
    let fields: [Field]
    let hasFields: Bool

    init(_ declared: [ReportParameter], values: [String: ParameterInput], errors: FormErrors) {
        fields = declared.map { p in
            let given = values[p.name]
            let isList = p.type == .list
            let itemType = p.itemType ?? .text
            let chosen: [String] = {
                switch given { case .list(let items)?: items.map(\.displayText); case let value?: [value.displayText]; case nil: [] }
            }()
            let defaultText = p.default.map { "Left empty: \($0.displayText)." } ?? (p.required ? "Required." : "Left empty: no value (NULL).")
            let kind: String
            switch isList ? itemType : p.type {
            case .date: kind = "A date such as 2026-03-01, or today, yesterday, start_of_week, start_of_month, last_month_start, today-7d, start_of_month-1m."
            case .timestamp: kind = "A date and time such as 2026-03-01T08:00:00Z, or a relative date such as today."
            case .integer: kind = "A whole number."
            case .number: kind = "A number such as 12.5."
            case .boolean: kind = "True or false."
            default: kind = ""
            }
            let listNote = isList && itemType != .choice ? " Several values: separate them with commas." : ""
            let checkboxes = isList && itemType == .choice
            let select = !isList && (p.type == .choice || p.type == .boolean)
            let options: [Choice]
            if checkboxes {
                options = (p.choices ?? []).map { Choice(value: $0, label: $0, checked: chosen.contains($0)) }
            } else if select {
                let items = p.type == .boolean ? ["true", "false"] : p.choices ?? []
                options = [Choice(value: "", label: p.default.map { "Default (\($0.displayText))" } ?? "(none)", checked: chosen.isEmpty)]
                    + items.map { Choice(value: $0, label: $0, checked: chosen == [$0]) }
            } else {
                options = []
            }
            return Field(id: "param-\(p.name)", inputName: (checkboxes ? "param_multi." : isList ? "param_items." : "param.") + p.name,
                         label: p.label, hint: [kind + listNote, defaultText].filter { !$0.isEmpty }.joined(separator: " "),
                         value: chosen.joined(separator: ", "), error: errors.fields["parameters.\(p.name)"]
                             ?? errors.fields.first { $0.key.hasPrefix("parameters.\(p.name)[") }?.value,
                         textInput: !checkboxes && !select, select: select, checkboxes: checkboxes, options: options)
        }
        hasFields = !fields.isEmpty
    }
}

/// Step 4.
struct DistributionStepView: Sendable, Encodable {
    let destinations: [Choice]
    let hasDestinations: Bool
    let formats: [Choice]
    let csvDelimiters: [Choice]
    let csvByteOrderMark: Bool
    let pdfOrientations: [Choice]
    let zip: Bool
    let filenamePattern: String
    let naming: [Choice]
    let deliver: DeliverFieldsView
    /// "Use a template": the templates the user may use (the chosen one checked).
    let templates: [Choice]
    let hasTemplates: Bool
    /// "From template X", once one was applied to this draft.
    let fromTemplate: String?
    /// The message fields show when one of the destinations to choose from is an email destination.
    let hasEmailDestinations: Bool
    /// The email destinations' ids, space-separated: the script shows the message fields while one is checked.
    let emailDestinationIDs: String
    let emailSubject: String
    let emailBodyMd: String
    let alerts: WizardAlertsView
}

/// Step 4's "Deliver" fieldset: when a run delivers. Every field is always on the page (it works without
/// JavaScript); the errors are looked up here because Mustache cannot read a dotted field name as one key.
struct DeliverFieldsView: Sendable, Encodable {
    let modes: [Choice]
    let measures: [Choice]
    let column: String
    let operators: [Choice]
    let threshold: String
    let modeError: String?
    let measureError: String?
    let columnError: String?
    let operatorError: String?
    let thresholdError: String?

    init(_ condition: DeliveryCondition, errors: [ValidationError]) {
        let fields = FormErrors(errors).fields
        let modeLabels: [(DeliveryCondition.Mode, String)] = [
            (.always, "Always"), (.ifRows, "Only if there are rows"), (.ifChanged, "Only if the result changed since the last delivery"),
            (.ifCondition, "Only if a condition holds"),
        ]
        modes = modeLabels.map { Choice(value: $0.0.rawValue, label: $0.1, checked: $0.0.rawValue == condition.mode) }
        let measureLabels: [(DeliveryCondition.Measure, String)] = [
            (.rowCount, "The number of rows"), (.firstRow, "The column's value in the first row"),
            (.anyRow, "The column's value in any row"), (.sum, "The total of the column"),
        ]
        let measure = condition.measure ?? DeliveryCondition.Measure.rowCount.rawValue
        measures = measureLabels.map { Choice(value: $0.0.rawValue, label: $0.1, checked: $0.0.rawValue == measure) }
        column = condition.column ?? ""
        let comparison = condition.operator ?? DeliveryCondition.Operator.greater.rawValue
        let operatorLabels: [(DeliveryCondition.Operator, String)] = [
            (.greater, "is more than (>)"), (.greaterOrEqual, "is at least (>=)"), (.equal, "equals (=)"),
            (.notEqual, "does not equal (!=)"), (.lessOrEqual, "is at most (<=)"), (.less, "is less than (<)"),
        ]
        operators = operatorLabels.map { Choice(value: $0.0.rawValue, label: $0.1, checked: $0.0.rawValue == comparison) }
        threshold = condition.threshold ?? ""
        modeError = fields["delivery_condition.mode"]
        measureError = fields["delivery_condition.measure"]
        columnError = fields["delivery_condition.column"]
        operatorError = fields["delivery_condition.operator"]
        thresholdError = fields["delivery_condition.threshold"]
    }
}

/// Step 5: check answers.
struct ReviewStepView: Sendable, Encodable {
    struct Row: Sendable, Encodable { let key: String; let value: String; let changeHref: String; let changeLabel: String }
    let rows: [Row]
    let pauseNote: String
}

/// `pages/schedules/wizard-<step>`.
struct WizardView: Sendable, Encodable {
    let chrome: PageChrome
    let stepNumber: Int
    let stepTitle: String
    let action: String
    let backHref: String?
    let editing: Bool
    let errors: FormErrors
    let report: ReportStepView?
    let frequency: FrequencyStepView?
    let parameters: ParametersStepView?
    let distribution: DistributionStepView?
    let review: ReviewStepView?
}
