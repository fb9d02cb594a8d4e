/// What a report parameter holds, spelled as in the report's JSON. `list` carries an `item_type` (one of the
/// others) so a multi-select can be bound as one array for `= ANY(:name)`.
public enum ParameterType: String, Codable, Sendable, CaseIterable {
    case text, integer, number, date, timestamp, boolean, choice, list
}
