/// A parameter a report declares and uses in its SQL as `:name`; schedules give it values, or it takes its default.
public struct ReportParameter: Codable, Equatable, Sendable {
    public var name: String
    public var type: ParameterType
    /// The element type of a `list` parameter; nil for every other type.
    public var itemType: ParameterType?
    /// The allowed values of a `choice` (or list of choices); nil otherwise.
    public var choices: [String]?
    public var label: String
    /// Used when a schedule gives no value; relative dates such as `start_of_month` stay relative until a run.
    public var `default`: ParameterInput?
    public var required: Bool

    public init(name: String, type: ParameterType, itemType: ParameterType? = nil, choices: [String]? = nil,
                label: String? = nil, default: ParameterInput? = nil, required: Bool = false) {
        self.name = name
        self.type = type
        self.itemType = itemType
        self.choices = choices
        self.label = label ?? name
        self.default = `default`
        self.required = required
    }

    enum CodingKeys: String, CodingKey {
        case name, type, itemType = "item_type", choices, label, `default`, required
        /// How `item_type` reads after the API's convert-from-snake-case decoder: accepted, never written.
        case itemTypeConverted = "itemType"
    }

    /// Only `name` and `type` must be written; a missing label reads as the name, a missing `required` as false.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(ParameterType.self, forKey: .type)
        itemType = try container.decodeIfPresent(ParameterType.self, forKey: .itemType)
            ?? container.decodeIfPresent(ParameterType.self, forKey: .itemTypeConverted)
        choices = try container.decodeIfPresent([String].self, forKey: .choices)
        label = try container.decodeIfPresent(String.self, forKey: .label) ?? name
        self.default = try container.decodeIfPresent(ParameterInput.self, forKey: .default)
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(itemType, forKey: .itemType)
        try container.encodeIfPresent(choices, forKey: .choices)
        try container.encode(label, forKey: .label)
        try container.encodeIfPresent(self.default, forKey: .default)
        try container.encode(required, forKey: .required)
    }

    /// The type of each value: the item type for a list, the type itself otherwise.
    var scalarType: ParameterType { type == .list ? itemType ?? .text : type }
}
