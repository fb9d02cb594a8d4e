import Foundation
import TestSupport

/// A received message as Python's `email` package reads it (Tests/Servers/parse_email.py), so the tests check what a
/// standard reader sees rather than what our own encoder meant.
struct ParsedEmail: Decodable {
    struct Part: Decodable {
        let content_type: String
        let disposition: String?
        let filename: String?
        let charset: String?
        let defects: [String]
        let parts: [Part]?
        let sha256: String?
        let size: Int?
        let text: String?
        let zip_entries: [ZipEntry]?

        /// Every leaf part, depth first.
        var leaves: [Part] { parts.map { $0.flatMap(\.leaves) } ?? [self] }
        var allDefects: [String] { defects + (parts ?? []).flatMap(\.allDefects) }
    }

    struct ZipEntry: Decodable {
        let name: String
        let sha256: String
    }

    let headers: [[String]]
    let raw_headers: [[String]]
    let long_header_lines: [String]
    let defects: [String]
    let tree: Part

    /// The decoded values of the headers called `name` (any case).
    func values(_ name: String) -> [String] { headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] } }
    func value(_ name: String) -> String? { values(name).first }

    var attachments: [Part] { tree.leaves.filter { $0.disposition != nil } }
    var textPart: Part? { tree.leaves.first { $0.content_type == "text/plain" && $0.disposition == nil } }
    var htmlPart: Part? { tree.leaves.first { $0.content_type == "text/html" && $0.disposition == nil } }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Servers/parse_email.py").path

    /// Parses the message's bytes with `python3 parse_email.py`.
    static func parse(_ mail: ReceivedMail) throws -> ParsedEmail {
        let file = NSTemporaryDirectory() + "herald-mail-\(UUID().uuidString).eml"
        try Data(mail.raw).write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, file]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ParseFailure(message: "parse_email.py failed: " + String(decoding: problems, as: UTF8.self))
        }
        return try JSONDecoder().decode(ParsedEmail.self, from: data)
    }
}

struct ParseFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
