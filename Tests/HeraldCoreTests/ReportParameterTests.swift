import Foundation
import Testing
@testable import HeraldCore

/// Declarations as a report stores them, and the checks that keep a broken one from being saved.
struct ReportParameterTests {
    @Test func declarationsReadTheirSnakeCaseJSON() throws {
        let json = #"""
        [{"name":"regions","type":"list","item_type":"choice","choices":["EU","US"],"label":"Regions","default":["EU"],"required":true},
         {"name":"from","type":"date","default":"start_of_month-1m"}]
        """#
        let parameters = try JSONDecoder().decode([ReportParameter].self, from: Data(json.utf8))
        #expect(parameters == [
            ReportParameter(name: "regions", type: .list, itemType: .choice, choices: ["EU", "US"], label: "Regions",
                            default: .list([.string("EU")]), required: true),
            ReportParameter(name: "from", type: .date, label: "from", default: .string("start_of_month-1m"), required: false),
        ])
        let encoded = String(decoding: try JSONEncoder().encode(parameters[0]), as: UTF8.self)
        #expect(encoded.contains(#""item_type":"choice""#))
        #expect(try JSONDecoder().decode(ReportParameter.self, from: Data(encoded.utf8)) == parameters[0])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ReportParameter.self, from: Data(#"{"name":"x","type":"money"}"#.utf8))
        }
    }

    @Test func aGoodDeclarationHasNoProblems() {
        #expect(ReportParameter.validate([
            ReportParameter(name: "region", type: .choice, choices: ["EU", "US"], default: .string("EU")),
            ReportParameter(name: "from", type: .timestamp, default: .string("today-7d")),
            ReportParameter(name: "ids", type: .list, itemType: .integer, default: .list([.integer(1), .string("2")])),
            ReportParameter(name: "_" + String(repeating: "a", count: 62), type: .boolean, default: .boolean(false)),
        ]).isEmpty)
    }

    @Test func namesMustBeLowercaseIdentifiersOfAtMost63Characters() {
        for name in ["Region", "1st", "a-b", "", "rég", "a b", String(repeating: "a", count: 64)] {
            #expect(ReportParameter.validate([ReportParameter(name: name, type: .text, label: "x")]) == [
                ValidationError(field: "parameters[0].name", message: "must start with a lowercase letter or _, then lowercase letters, digits or _ (at most 63)"),
            ], "\(name)")
        }
    }

    @Test func duplicateNamesPointAtTheFirstUse() {
        let errors = ReportParameter.validate([
            ReportParameter(name: "region", type: .text),
            ReportParameter(name: "from", type: .date),
            ReportParameter(name: "region", type: .integer),
        ])
        #expect(errors == [ValidationError(field: "parameters[2].name", message: "is already used by parameters[0]")])
    }

    @Test func choicesMustBeGivenOnlyForChoices() {
        #expect(ReportParameter.validate([ReportParameter(name: "a", type: .text), ReportParameter(name: "b", type: .choice)]) == [
            ValidationError(field: "parameters[1].choices", message: "needs at least one allowed value"),
        ])
        #expect(ReportParameter.validate([ReportParameter(name: "b", type: .choice, choices: ["x", "x", ""])]) == [
            ValidationError(field: "parameters[0].choices", message: "lists a value twice"),
            ValidationError(field: "parameters[0].choices", message: "must not contain an empty value"),
        ])
        #expect(ReportParameter.validate([ReportParameter(name: "c", type: .text, choices: ["x"])]) == [
            ValidationError(field: "parameters[0].choices", message: "are only for choice parameters"),
        ])
        #expect(ReportParameter.validate([ReportParameter(name: "d", type: .list, itemType: .choice)]) == [
            ValidationError(field: "parameters[0].choices", message: "needs at least one allowed value"),
        ])
    }

    @Test func listsNeedAScalarItemType() {
        #expect(ReportParameter.validate([ReportParameter(name: "a", type: .list)]) == [
            ValidationError(field: "parameters[0].item_type", message: "is required for a list (one of text, integer, number, date, timestamp, boolean, choice)"),
        ])
        #expect(ReportParameter.validate([ReportParameter(name: "a", type: .list, itemType: .list)]) == [
            ValidationError(field: "parameters[0].item_type", message: "cannot be list: lists of lists are not supported"),
        ])
        #expect(ReportParameter.validate([ReportParameter(name: "a", type: .date, itemType: .date)]) == [
            ValidationError(field: "parameters[0].item_type", message: "is only for list parameters"),
        ])
    }

    @Test func aDefaultMustFitItsType() {
        let errors = ReportParameter.validate([
            ReportParameter(name: "count", type: .integer, default: .string("ten")),
            ReportParameter(name: "region", type: .choice, choices: ["EU"], default: .string("US")),
            ReportParameter(name: "from", type: .date, default: .string("start_of_fortnight")),
            ReportParameter(name: "regions", type: .list, itemType: .choice, choices: ["EU"], default: .list([.string("EU"), .string("US")])),
            ReportParameter(name: "flag", type: .boolean, label: "  "),
        ])
        #expect(errors == [
            ValidationError(field: "parameters[0].default", message: "must be a whole number such as 42 (got “ten”)"),
            ValidationError(field: "parameters[1].default", message: "“US” is not one of: EU"),
            ValidationError(field: "parameters[2].default", message: "must be a date such as 2026-03-01, or a relative date such as today, yesterday, start_of_month or today-7d (got “start_of_fortnight”)"),
            ValidationError(field: "parameters[3].default[1]", message: "“US” is not one of: EU"),
            ValidationError(field: "parameters[4].label", message: "is required"),
        ])
    }
}
