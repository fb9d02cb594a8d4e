import Foundation
import HeraldCore

/// One page of a list in the API: `{"items": [...], "next_cursor": "..." | null}`.
public struct ListPage<Item: Encodable>: Encodable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    /// `next_cursor` is always there, `null` on the last page (the synthesized encoding would leave it out).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `limit` (default 50, at most 200) and the opaque `cursor` of a list request, for pages and the API alike.
/// A cursor carries the sort key of the last item shown (keyset pagination): base64url of its parts, so clients
/// treat it as opaque and a tampered one is only a bad request, never SQL.
public struct ListRequest: Sendable, Equatable {
    public let limit: Int
    /// The decoded parts of the cursor (for example the last row's `created_at` and `id`), or nil for the first page.
    public let after: [String]?

    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public init(limit: Int = ListRequest.defaultLimit, after: [String]? = nil) {
        self.limit = limit
        self.after = after
    }

    public init(_ request: HTTPRequest) throws {
        var errors: [ValidationError] = []
        var limit = Self.defaultLimit
        if let text = request.queryValue("limit") {
            if let value = Int(text), (1...Self.maximumLimit).contains(value) { limit = value } else {
                errors.append(ValidationError(field: "limit", message: "must be a whole number from 1 to \(Self.maximumLimit)"))
            }
        }
        var after: [String]?
        if let cursor = request.queryValue("cursor"), !cursor.isEmpty {
            after = Self.decode(cursor)
            if after == nil { errors.append(ValidationError(field: "cursor", message: "is not a cursor this server gave out")) }
        }
        if !errors.isEmpty { throw ValidationErrors(errors) }
        self.init(limit: limit, after: after)
    }

    /// The cursor that continues after an item with these sort-key parts.
    public static func cursor(_ parts: [String]) -> String {
        let json = (try? JSONWriter.encode(parts)) ?? []
        // base64url without padding, byte by byte (three `replacingOccurrences` were 3% of the list API, measured).
        let url = Data(json).base64EncodedData().compactMap { byte -> UInt8? in
            switch byte { case 0x2B: 0x2D; case 0x2F: 0x5F; case 0x3D: nil; default: byte }
        }
        return String(decoding: url, as: UTF8.self)
    }

    static func decode(_ cursor: String) -> [String]? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }
}
