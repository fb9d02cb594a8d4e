import Foundation
import HeraldCore

/// The checks a schedule's distribution and a distribution template share, so a template never holds what a
/// schedule would refuse once copied.
enum DistributionRules {
    /// The body of the message is Markdown of at most this many characters.
    static let maximumBodyLength = 20_000

    /// A file name pattern of 1 to 200 characters, without a path, whose variables are known.
    static func checkFilenamePattern(_ pattern: String) -> ValidationError? {
        if pattern.isEmpty || pattern.count > 200 || pattern.contains("/") || pattern.contains("\\") || pattern.contains("..")
            || pattern.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }) {
            return ValidationError(field: "filename_pattern", message: "must be a file name pattern of 1 to 200 characters without /, \\ or ..")
        }
        do throws(ValidationError) { _ = try FileNamePattern(pattern) } catch {
            return ValidationError(field: "filename_pattern", message: error.message)
        }
        return nil
    }

    static func checkNaming(_ naming: String) -> ValidationError? {
        ["overwrite", "timestamp"].contains(naming) ? nil : ValidationError(field: "naming", message: "must be overwrite or timestamp")
    }

    /// Formats each schedules accept, at least one, without repeats.
    static func checkFormats(_ formats: [String]) -> ValidationError? {
        formats.isEmpty || !formats.allSatisfy(ScheduleService.formats.contains)
            ? ValidationError(field: "formats", message: "choose at least one of \(ScheduleService.formats.joined(separator: ", "))") : nil
    }

    /// The message text for email destinations: a one-line subject (a header: no CR, LF, U+2028 or control
    /// characters) and a Markdown body of bounded length. Both may be empty (the destination's own is used).
    static func checkMessage(subject: String, body: String) -> [ValidationError] {
        var errors: [ValidationError] = []
        do throws(ValidationError) { try HeaderText.check(subject, field: "email_subject", maximum: 500) } catch { errors.append(error) }
        if body.count > maximumBodyLength {
            errors.append(ValidationError(field: "email_body_md", message: "must be \(maximumBodyLength) characters or fewer"))
        }
        return errors
    }

    /// Every id once, in the order given.
    static func unique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}
