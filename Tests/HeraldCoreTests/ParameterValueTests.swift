import Foundation
import Testing
@testable import HeraldCore

/// A schedule's raw values become typed values, or errors a person can act on, and then libpq's text forms.
struct ParameterValueTests {
    static let slot = LogicalTime(instant: 1_772_321_400, zone: .utc)   // 2026-02-28T23:30:00Z

    static func value(_ parameter: ReportParameter, _ input: ParameterInput?) throws -> ParameterValue? {
        try parameter.resolve(input, at: slot, field: "parameters.\(parameter.name)")
    }

    static func message(_ parameter: ReportParameter, _ input: ParameterInput?) -> String? {
        do {
            _ = try parameter.resolve(input, at: slot, field: "parameters.\(parameter.name)")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func eachTypeReadsItsJSONAndFormValues() throws {
        #expect(try Self.value(ReportParameter(name: "n", type: .integer), .integer(42)) == .integer(42))
        #expect(try Self.value(ReportParameter(name: "n", type: .integer), .string(" -7 ")) == .integer(-7))
        #expect(try Self.value(ReportParameter(name: "n", type: .integer), .number(3.0)) == .integer(3))
        #expect(try Self.value(ReportParameter(name: "x", type: .number), .string("12.50")) == .number("12.50"))
        #expect(try Self.value(ReportParameter(name: "x", type: .number), .number(0.25)) == .number("0.25"))
        #expect(try Self.value(ReportParameter(name: "x", type: .number), .integer(3)) == .number("3"))
        #expect(try Self.value(ReportParameter(name: "b", type: .boolean), .boolean(true)) == .boolean(true))
        #expect(try Self.value(ReportParameter(name: "b", type: .boolean), .string("False")) == .boolean(false))
        #expect(try Self.value(ReportParameter(name: "t", type: .text), .string("EU")) == .text("EU"))
        #expect(try Self.value(ReportParameter(name: "t", type: .text), .integer(12)) == .text("12"))
        #expect(try Self.value(ReportParameter(name: "c", type: .choice, choices: ["EU", "US"]), .string("US")) == .text("US"))
        #expect(try Self.value(ReportParameter(name: "d", type: .date), .string("yesterday")) == .date(CivilDate(year: 2026, month: 2, day: 27)))
    }

    @Test func wrongValuesSayWhatIsExpected() {
        let region = ReportParameter(name: "region", type: .choice, choices: ["EU", "US"])
        #expect(Self.message(region, .string("APAC")) == "parameters.region “APAC” is not one of: EU, US")
        #expect(Self.message(region, .integer(1)) == "parameters.region must be one of the choices")
        let count = ReportParameter(name: "count", type: .integer)
        #expect(Self.message(count, .string("ten")) == "parameters.count must be a whole number such as 42 (got “ten”)")
        #expect(Self.message(count, .number(2.5)) == "parameters.count must be a whole number")
        #expect(Self.message(count, .string("99999999999999999999")) != nil)
        let amount = ReportParameter(name: "amount", type: .number)
        #expect(Self.message(amount, .string("NaN")) == "parameters.amount must be a number such as 12.5 (got “NaN”)")
        #expect(Self.message(amount, .boolean(true)) == "parameters.amount must be a number")
        let flag = ReportParameter(name: "flag", type: .boolean)
        #expect(Self.message(flag, .string("yes")) == "parameters.flag must be true or false")
        #expect(Self.message(ReportParameter(name: "t", type: .text), .string("a\u{0}b")) == "parameters.t must not contain a NUL character")
        #expect(Self.message(ReportParameter(name: "t", type: .text), .list([.string("a")])) == "parameters.t must be text")
        #expect(Self.message(ReportParameter(name: "at", type: .timestamp), .boolean(true)) == "parameters.at must be a date and time")
    }

    @Test func anAbsentValueTakesTheDefaultOrIsRequired() throws {
        let from = ReportParameter(name: "from", type: .date, default: .string("start_of_month-1m"), required: true)
        #expect(try Self.value(from, nil) == .date(CivilDate(year: 2026, month: 1, day: 1)))
        #expect(try Self.value(from, .string("2025-12-24")) == .date(CivilDate(year: 2025, month: 12, day: 24)))
        #expect(Self.message(ReportParameter(name: "to", type: .date, required: true), nil) == "parameters.to is required")
        #expect(try Self.value(ReportParameter(name: "to", type: .date), nil) == nil)
    }

    @Test func listsCheckEveryItemAndNameTheBadOne() throws {
        let regions = ReportParameter(name: "regions", type: .list, itemType: .choice, choices: ["EU", "US", "APAC"], required: true)
        #expect(try Self.value(regions, .list([.string("EU"), .string("APAC")])) == .list([.text("EU"), .text("APAC")]))
        #expect(Self.message(regions, .list([.string("EU"), .string("LATAM")])) == "parameters.regions[1] “LATAM” is not one of: EU, US, APAC")
        #expect(Self.message(regions, .string("EU")) == "parameters.regions must be a list (of choice values)")
        #expect(Self.message(regions, .list([])) == "parameters.regions needs at least one value")
        let days = ReportParameter(name: "days", type: .list, itemType: .date)
        #expect(try Self.value(days, .list([.string("today"), .string("2026-01-02")]))?.boundText == #"{"2026-02-28","2026-01-02"}"#)
        #expect(try Self.value(days, .list([])) == .list([]))
    }

    @Test func allValuesOfAScheduleAreCheckedAtOnce() throws {
        let declared = [
            ReportParameter(name: "region", type: .text, required: true),
            ReportParameter(name: "count", type: .integer, default: .integer(10)),
            ReportParameter(name: "note", type: .text),
        ]
        let values = try ReportParameter.resolve(declared, values: ["region": .string("EU")], at: Self.slot)
        #expect(values == ["region": .text("EU"), "count": .integer(10)])
        #expect(throws: ValidationErrors([
            ValidationError(field: "parameters.colour", message: "is not a parameter of this report"),
            ValidationError(field: "parameters.region", message: "is required"),
            ValidationError(field: "parameters.count", message: "must be a whole number such as 42 (got “many”)"),
        ])) {
            try ReportParameter.resolve(declared, values: ["colour": .string("red"), "count": .string("many")], at: Self.slot)
        }
    }

    @Test func boundTextIsWhatLibpqReadsForEachType() {
        #expect(ParameterValue.text("'; DROP TABLE reports; --").boundText == "'; DROP TABLE reports; --")
        #expect(ParameterValue.integer(-42).boundText == "-42")
        #expect(ParameterValue.number("1234567890.123456789").boundText == "1234567890.123456789")
        #expect(ParameterValue.date(CivilDate(year: 987, month: 6, day: 5)).boundText == "0987-06-05")
        #expect(ParameterValue.timestamp(1_772_321_400).boundText == "2026-02-28 23:30:00+00")
        #expect(ParameterValue.boolean(true).boundText == "true")
        #expect(ParameterValue.boolean(false).boundText == "false")
        #expect(ParameterValue.list([.integer(1), .integer(2)]).boundText == #"{"1","2"}"#)
    }

    @Test func arrayLiteralsQuoteEveryElement() {
        #expect(ParameterValue.arrayLiteral(["a", "b\"c"]) == #"{"a","b\"c"}"#)
        #expect(ParameterValue.arrayLiteral([#"back\slash"#, "NULL", "a,b", "{x}", " padded ", ""]) ==
                #"{"back\\slash","NULL","a,b","{x}"," padded ",""}"#)
        #expect(ParameterValue.arrayLiteral([]) == "{}")
        #expect(ParameterValue.arrayLiteral(["Zürich", "東京"]) == #"{"Zürich","東京"}"#)
    }

    @Test func inputsDecodeFromJSONAndEncodeBack() throws {
        let json = #"["EU", 42, 2.5, true, ["a", 1]]"#
        let decoded = try JSONDecoder().decode([ParameterInput].self, from: Data(json.utf8))
        #expect(decoded == [.string("EU"), .integer(42), .number(2.5), .boolean(true), .list([.string("a"), .integer(1)])])
        let again = try JSONDecoder().decode([ParameterInput].self, from: JSONEncoder().encode(decoded))
        #expect(again == decoded)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ParameterInput.self, from: Data(#"{"a":1}"#.utf8)) }
    }
}
