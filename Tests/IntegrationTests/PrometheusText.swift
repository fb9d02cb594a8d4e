import Foundation

/// A strict reader of the Prometheus text format 0.0.4, enough to check what Herald serves: every sample's family
/// has a `# TYPE` line before it, names and labels are well-formed, values parse. Throws on anything else.
struct PrometheusText {
    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var types: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Malformed(description: "the text does not end with a line feed") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw Malformed(description: "bad TYPE line: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
            } else if line.hasPrefix("#") || line.isEmpty {
                continue
            } else {
                let sample = try Self.sample(String(line))
                let family = types[sample.name] != nil ? sample.name
                    : ["_bucket", "_sum", "_count"].compactMap { suffix in
                        sample.name.hasSuffix(suffix) ? String(sample.name.dropLast(suffix.count)) : nil
                    }.first { types[$0] == "histogram" }
                guard family != nil else { throw Malformed(description: "\(sample.name) has no TYPE line before it") }
                samples.append(sample)
            }
        }
    }

    /// The value of the one sample with this name whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }

    private static func sample(_ line: String) throws -> Sample {
        var rest = Substring(line)
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty, !name.first!.isNumber else { throw Malformed(description: "bad name in: \(line)") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                rest = rest.dropFirst(key.count)
                guard !key.isEmpty, rest.first == "=" else { throw Malformed(description: "bad label in: \(line)") }
                rest = rest.dropFirst()
                guard rest.first == "\"" else { throw Malformed(description: "unquoted label value in: \(line)") }
                rest = rest.dropFirst()
                var value = ""
                while let c = rest.first, c != "\"" {
                    rest = rest.dropFirst()
                    if c == "\\" {
                        switch rest.first {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw Malformed(description: "bad escape in: \(line)")
                        }
                        rest = rest.dropFirst()
                    } else {
                        value.append(c)
                    }
                }
                guard rest.first == "\"" else { throw Malformed(description: "unterminated label value in: \(line)") }
                rest = rest.dropFirst()
                labels[String(key)] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Malformed(description: "no value in: \(line)") }
        let number = rest.dropFirst()
        let value: Double? = switch number {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(number)
        }
        guard let value else { throw Malformed(description: "bad value in: \(line)") }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
