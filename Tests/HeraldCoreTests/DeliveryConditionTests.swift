import Foundation
import Testing
@testable import HeraldCore

/// Conditional delivery: the stored condition's JSON and checks, and the verdict a run's result gets.
struct DeliveryConditionTests {
    let digest = [UInt8](repeating: 1, count: 32)

    func verdict(_ condition: DeliveryCondition, columns: [String] = ["region", "amount"], rows: [[String?]],
                 lastDelivered: (digest: [UInt8], label: String)? = nil, digest: [UInt8]? = nil) throws -> DeliveryVerdict {
        var check = DeliveryConditionCheck(condition)
        try check.begin(columns: columns)
        for row in rows { try check.append(row) }
        return check.verdict(rowCount: rows.count, resultDigest: digest ?? self.digest, lastDelivered: lastDelivered)
    }

    @Test func readsAndWritesItsSnakeCaseJSON() throws {
        let json = #"{"mode":"if_condition","measure":"sum","column":"amount","operator":">","threshold":5000}"#
        let condition = try JSONDecoder().decode(DeliveryCondition.self, from: Data(json.utf8))
        #expect(condition == DeliveryCondition(measure: .sum, column: "amount", .greater, "5000"))
        let text = try JSONDecoder().decode(DeliveryCondition.self, from: Data(#"{"mode":"if_condition","threshold":"1.5"}"#.utf8))
        #expect(text.threshold == "1.5")
        let encoded = String(decoding: try JSONEncoder().encode(DeliveryCondition(.ifRows)), as: UTF8.self)
        #expect(encoded == #"{"mode":"if_rows"}"#)
        #expect(try JSONDecoder().decode(DeliveryCondition.self, from: Data("{}".utf8)) == .always)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(DeliveryCondition.self, from: Data(#"{"mode":"if_condition","threshold":[1]}"#.utf8))
        }
    }

    @Test func validationNamesEachBadField() {
        #expect(DeliveryCondition(.always).validate().isEmpty)
        #expect(DeliveryCondition(.ifChanged).validate().isEmpty)
        #expect(DeliveryCondition(mode: "sometimes").validate().map(\.field) == ["delivery_condition.mode"])
        let empty = DeliveryCondition(mode: "if_condition").validate().map(\.field)
        #expect(empty == ["delivery_condition.measure", "delivery_condition.operator", "delivery_condition.threshold"])
        #expect(DeliveryCondition(measure: .sum, .greater, "5").validate().map(\.field) == ["delivery_condition.column"])
        #expect(DeliveryCondition(measure: .rowCount, .greater, "5").validate().isEmpty)
        #expect(DeliveryCondition(measure: .sum, column: "amount", .greater, "lots").validate()
            == [ValidationError(field: "delivery_condition.threshold", message: "must be a number, such as 5000 or -1.5")])
        #expect(DeliveryCondition(measure: .firstRow, column: "status", .equal, "open").validate().isEmpty)
        #expect(DeliveryCondition(measure: .anyRow, column: "status", .notEqual, "open").validate().isEmpty)
        #expect(DeliveryCondition(measure: .firstRow, column: "status", .greater, "open").validate().map(\.field)
            == ["delivery_condition.threshold"])
        #expect(DeliveryCondition(mode: "if_condition", measure: "sum", column: "amount", operator: "=>", threshold: "1").validate()
            .map(\.field) == ["delivery_condition.operator"])
        #expect(DeliveryCondition(mode: "if_condition", measure: "median", operator: ">", threshold: "1").validate()
            .map(\.field) == ["delivery_condition.measure"])
    }

    @Test func alwaysDeliversEvenWithoutRows() throws {
        #expect(try verdict(.always, rows: []) == .deliver)
    }

    @Test func ifRowsSkipsAnEmptyResult() throws {
        #expect(try verdict(DeliveryCondition(.ifRows), rows: []) == .skip(reason: "no rows"))
        #expect(try verdict(DeliveryCondition(.ifRows), rows: [["EU", nil]]) == .deliver)
    }

    @Test func ifChangedComparesWithTheLastDeliveredDigest() throws {
        let changed = DeliveryCondition(.ifChanged)
        #expect(try verdict(changed, rows: []) == .deliver)
        #expect(try verdict(changed, rows: [], lastDelivered: (digest, "2026-11-30 07:00"))
            == .skip(reason: "unchanged since the run of 2026-11-30 07:00"))
        #expect(try verdict(changed, rows: [], lastDelivered: ([UInt8](repeating: 2, count: 32), "2026-11-30 07:00")) == .deliver)
    }

    @Test func rowCountWithEveryOperator() throws {
        let rows: [[String?]] = [["EU", "1"], ["US", "2"], ["JP", "3"]]
        let cases: [(DeliveryCondition.Operator, String, Bool)] = [
            (.less, "4", true), (.less, "3", false), (.lessOrEqual, "3", true), (.lessOrEqual, "2", false),
            (.equal, "3", true), (.equal, "3.0", true), (.equal, "2", false), (.notEqual, "2", true), (.notEqual, "3", false),
            (.greaterOrEqual, "3", true), (.greaterOrEqual, "4", false), (.greater, "2", true), (.greater, "3", false),
        ]
        for (comparison, threshold, delivers) in cases {
            let result = try verdict(DeliveryCondition(measure: .rowCount, comparison, threshold), rows: rows)
            #expect(delivers ? result == .deliver : result == .skip(reason: "row count 3 is not \(comparison.rawValue) \(threshold == "3.0" ? "3" : threshold)"),
                    "\(comparison.rawValue) \(threshold)")
        }
        #expect(try verdict(DeliveryCondition(measure: .rowCount, .greater, "5000"), rows: rows)
            == .skip(reason: "row count 3 is not > 5,000"))
    }

    @Test func sumAddsDecimalsAndNegativesExactlyAndIgnoresNulls() throws {
        let rows: [[String?]] = [["EU", "1000.10"], ["US", "-0.10"], ["JP", nil], ["CN", "204"], ["BR", "1.5e2"]]
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .equal, "1354"), rows: rows) == .deliver)
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .greater, "5000"), rows: rows)
            == .skip(reason: "total 1,354 is not > 5,000"))
        let cents: [[String?]] = [["a", "0.1"], ["b", "0.2"]]
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .equal, "0.3"), rows: cents) == .deliver)
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .less, "-1000"), rows: [["a", "-1204.5"]]) == .deliver)
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .greater, "0"), rows: [["a", "-1204.5"]])
            == .skip(reason: "total -1,204.5 is not > 0"))
        #expect(try verdict(DeliveryCondition(measure: .sum, column: "amount", .greater, "0"), rows: [])
            == .skip(reason: "total 0 is not > 0"))
    }

    @Test func aNonNumericSummedCellIsAnErrorNamingItsRow() throws {
        var check = DeliveryConditionCheck(DeliveryCondition(measure: .sum, column: "amount", .greater, "1"))
        try check.begin(columns: ["region", "amount"])
        try check.append(["EU", "5"])
        #expect(throws: DeliveryConditionError("row 2: amount is “n/a”, not a number, so it cannot be summed")) {
            try check.append(["US", "n/a"])
        }
    }

    @Test func aMissingColumnIsAnErrorListingTheColumns() throws {
        var check = DeliveryConditionCheck(DeliveryCondition(measure: .anyRow, column: "total", .greater, "1"))
        #expect(throws: DeliveryConditionError("column total is not in the result (columns: region, amount)")) {
            try check.begin(columns: ["region", "amount"])
        }
        var rowCount = DeliveryConditionCheck(DeliveryCondition(measure: .rowCount, .greater, "1"))
        try rowCount.begin(columns: [])
    }

    @Test func columnNamesMatchIgnoringCaseWhenNoneMatchesExactly() throws {
        let condition = DeliveryCondition(measure: .firstRow, column: "Amount", .greater, "1")
        #expect(try verdict(condition, rows: [["EU", "5"]]) == .deliver)
    }

    @Test func firstRowComparesOnlyTheFirstRow() throws {
        let condition = DeliveryCondition(measure: .firstRow, column: "amount", .greaterOrEqual, "5000")
        #expect(try verdict(condition, rows: [["EU", "6000"], ["US", "1"]]) == .deliver)
        #expect(try verdict(condition, rows: [["EU", "1204"], ["US", "9000"]])
            == .skip(reason: "amount in the first row is 1,204, not >= 5,000"))
        #expect(try verdict(condition, rows: []) == .skip(reason: "no rows"))
        #expect(try verdict(condition, rows: [["EU", nil]]) == .skip(reason: "amount in the first row is empty (NULL), not >= 5,000"))
        #expect(try verdict(condition, rows: [["EU", "soon"]])
            == .skip(reason: "amount in the first row is “soon”, not a number to compare with 5,000"))
    }

    @Test func firstRowAndAnyRowMatchTextWithEqualsOrNotEquals() throws {
        let open = DeliveryCondition(measure: .firstRow, column: "region", .equal, "EU")
        #expect(try verdict(open, rows: [["EU", "1"]]) == .deliver)
        #expect(try verdict(open, rows: [["US", "1"]]) == .skip(reason: "region in the first row is “US”, not = “EU”"))
        let notEU = DeliveryCondition(measure: .anyRow, column: "region", .notEqual, "EU")
        #expect(try verdict(notEU, rows: [["EU", "1"], ["US", "2"]]) == .deliver)
        #expect(try verdict(notEU, rows: [["EU", "1"]]) == .skip(reason: "no row has region != “EU”"))
        #expect(try verdict(DeliveryCondition(measure: .anyRow, column: "region", .equal, "EU"), rows: [[nil, "1"]])
            == .skip(reason: "no row has region = “EU”"))
    }

    @Test func anyRowDeliversWhenOneRowHolds() throws {
        let condition = DeliveryCondition(measure: .anyRow, column: "amount", .greater, "5000")
        #expect(try verdict(condition, rows: [["EU", "10"], ["US", nil], ["JP", "x"], ["CN", "5000.01"]]) == .deliver)
        #expect(try verdict(condition, rows: [["EU", "10"], ["US", "5000"]]) == .skip(reason: "no row has amount > 5,000"))
        #expect(try verdict(condition, rows: []) == .skip(reason: "no row has amount > 5,000"))
    }

    @Test func summariesSayTheConditionInWords() {
        #expect(DeliveryCondition.always.summary == "Always")
        #expect(DeliveryCondition(measure: .sum, column: "amount", .greater, "5000").summary == "Only if the total of amount > 5,000")
        #expect(DeliveryCondition(measure: .firstRow, column: "region", .equal, "EU").summary == "Only if region in the first row = “EU”")
    }

    @Test func normalizingKeepsOnlyTheFieldsTheModeUses() {
        let stale = DeliveryCondition(mode: "if_rows", measure: "sum", column: "amount", operator: ">", threshold: "1")
        #expect(stale.normalized == DeliveryCondition(.ifRows))
        let rowCount = DeliveryCondition(mode: "if_condition", measure: "row_count", column: "x", operator: ">", threshold: " 5 ")
        #expect(rowCount.normalized == DeliveryCondition(measure: .rowCount, .greater, "5"))
    }

    @Test func decimalTextIsStrictAndGroupsThousands() {
        #expect(DecimalText.parse("12abc") == nil)
        #expect(DecimalText.parse("NaN") == nil)
        #expect(DecimalText.parse("") == nil)
        #expect(DecimalText.parse(".") == nil)
        #expect(DecimalText.parse("1e") == nil)
        #expect(DecimalText.parse("-.5") == Decimal(string: "-0.5"))
        #expect(DecimalText.parse("1.5E+3") == 1500)
        #expect(DecimalText.format(1204) == "1,204")
        #expect(DecimalText.format(-1_234_567.25) == "-1,234,567.25")
        #expect(DecimalText.format(999) == "999")
        #expect(DecimalText.format(Decimal(string: "0.001")!) == "0.001")
    }
}
