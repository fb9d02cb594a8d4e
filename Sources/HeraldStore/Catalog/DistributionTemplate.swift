import Foundation

/// A distribution template: what wizard step 4 (or the API's `template_id`) copies into a schedule instead of
/// choosing it again: destinations, formats, file naming and the message text for its email destinations.
/// Recipients are the email destinations' own. `ownerID` nil: shared with every creator (made by an admin).
public struct DistributionTemplate: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let destinationIDs: [UUID]
    public let formats: [String]
    public let filenamePattern: String
    public let naming: String
    public let emailSubject: String
    public let emailBodyMd: String
    public let ownerID: UUID?
    public let createdAt: Date
    public let updatedAt: Date
}

/// What a creator sends to make or change a template; on a change a nil field keeps what is stored.
public struct DistributionTemplateInput: Sendable, Equatable {
    public var name: String?
    public var destinationIDs: [UUID]?
    public var formats: [String]?
    public var filenamePattern: String?
    public var naming: String?
    public var emailSubject: String?
    public var emailBodyMd: String?

    public init(name: String? = nil, destinationIDs: [UUID]? = nil, formats: [String]? = nil, filenamePattern: String? = nil,
                naming: String? = nil, emailSubject: String? = nil, emailBodyMd: String? = nil) {
        self.name = name
        self.destinationIDs = destinationIDs
        self.formats = formats
        self.filenamePattern = filenamePattern
        self.naming = naming
        self.emailSubject = emailSubject
        self.emailBodyMd = emailBodyMd
    }
}
