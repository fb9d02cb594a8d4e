import Foundation

/// `key=value` pairs, as `herald destination add --setting` takes them, made into a settings JSON object: a value that
/// reads as a JSON number, boolean, array or object is that; anything else is a string. `smtp.host=…` nests; the
/// address lists (`to`, `cc`, `bcc`) are arrays, given as repeated pairs or comma-separated.
public enum DestinationSettingPairs {
    public static let listKeys: Set<String> = ["to", "cc", "bcc"]

    public static func json(_ pairs: [String]) throws(ValidationError) -> String {
        var root: [String: Any] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError(field: "setting", message: "\(pair.prefix(80).debugDescription) is not key=value")
            }
            let path = pair[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard path.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError(field: "setting", message: "\(pair[..<equals].prefix(80).debugDescription) is not a setting name")
            }
            let raw = String(pair[pair.index(after: equals)...])
            insert(value(raw, list: listKeys.contains(path.last!)), at: path[...], into: &root)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw ValidationError(field: "setting", message: "cannot be written as JSON")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func value(_ raw: String, list: Bool) -> Any {
        if list {
            if let array = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [Any] { return array }
            return raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let literal = raw.first.map { "-0123456789[{".contains($0) } == true || ["true", "false"].contains(raw)
        if literal, let parsed = try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: [.fragmentsAllowed]) { return parsed }
        return raw
    }

    private static func insert(_ value: Any, at path: ArraySlice<String>, into object: inout [String: Any]) {
        let key = path.first!
        if path.count == 1 {
            if let list = value as? [Any], let existing = object[key] as? [Any] { object[key] = existing + list } else { object[key] = value }
            return
        }
        var child = object[key] as? [String: Any] ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        object[key] = child
    }
}
