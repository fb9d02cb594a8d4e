import Foundation
import Mustache
import HeraldCore

/// The Mustache templates under `templates/`, loaded once at start-up. swift-mustache silently yields an empty
/// library for a missing folder and renders unknown keys as empty, so loading checks the folder and the templates
/// every page needs, and each page has a typed view model.
public struct Templates: Sendable {
    public static let required = ["layouts/page-head", "layouts/page-foot", "pages/error"]

    let library: MustacheLibrary
    /// Rendered fragments and frames by their keys (a few MB at most).
    let fragments = MemoTable<FragmentKey, String>(capacity: 4096)

    public static func load(directory: String) throws -> Templates {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError("the templates folder \(directory) does not exist (set HERALD_TEMPLATES_DIR)")
        }
        let library = try loadLibrary(directory)
        for name in required where library.getTemplate(named: name) == nil {
            throw TemplateError("the template \(name).mustache is missing from \(directory)")
        }
        return Templates(library: library)
    }

    /// Every `*.mustache` under the folder, named by its path without the extension (as swift-mustache names
    /// them), each starting with the pragma that makes `HTMLEscaping` its escaper.
    static func loadLibrary(_ directory: String) throws -> MustacheLibrary {
        MustacheContentTypes.register(HTMLEscaping(), named: HTMLEscaping.name)
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        var templates: [String: MustacheTemplate] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root) ?? .init() where path.hasSuffix(".mustache") {
            let name = String(path.dropLast(".mustache".count))
            do {
                let text = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
                templates[name] = try MustacheTemplate(string: "{{% CONTENT_TYPE: \(HTMLEscaping.name)}}" + text)
            } catch {
                throw TemplateError("the template \(name).mustache in \(directory) does not parse: \(error)")
            }
        }
        return MustacheLibrary(templates: templates)
    }

    /// A fragment of a long list (one row), remembered by the template's name and the row's whole view model, so
    /// the same row is rendered once however often its list is shown: the same input always gives the same HTML,
    /// so nothing can be stale, and nothing but the view model's fields is in the key. swift-mustache spends about
    /// 50 µs on a schedule row (measured); a hit costs encoding the view model as JSON and one lookup. The result is
    /// HTML the template escaped: a page puts it in with `{{{…}}}`.
    public func renderFragment(_ view: some Encodable & Sendable, template: String) throws -> String {
        var key = Array(template.utf8)
        key.append(0)
        key += try JSONWriter.encode(view, snakeCaseKeys: false)
        return try remembered(key) { try render(view, template: template) }
    }

    /// `renderFragment` for a view model made from a versioned record (`ScheduleRecord.version`), remembered by
    /// what the view model is made from: `madeFrom` must name all of it (the record's id and version and every
    /// other input). A hit costs neither the view model nor its JSON.
    public func renderFragment<View: Encodable & Sendable>(madeFrom: String, template: String, _ view: () -> View) throws -> String {
        var key = Array(template.utf8)
        key.append(0); key.append(1)
        key += madeFrom.utf8
        return try remembered(key) { try render(view(), template: template) }
    }

    /// Where `renderFrame` puts what changes with every request. User text cannot spell it: its `<` is escaped.
    public static let slot = "<!--herald-slot-->"

    /// A page whose big part is HTML already (a list's rows) and whose footer names the request: the rest of the
    /// page, its frame, is rendered with `slot` in their places and remembered by the frame's whole view model,
    /// like `renderFragment`'s fragments; `fillings` then go into the slots, in order (a slot left without one stays
    /// empty). swift-mustache spends ~0.2 ms on the list page's frame (its layout, tabs and navigation: a fifth of
    /// the page, measured); a hit costs the frame's view model as JSON.
    /// The page as UTF-8 bytes, as a response carries it (a String would be checked and copied twice more).
    public func renderFrame(_ frame: some Encodable & Sendable, template: String, filling fillings: [[String]]) throws -> [UInt8] {
        var key = Array(template.utf8)
        key.append(0); key.append(2)
        key += try JSONWriter.encode(frame, snakeCaseKeys: false)
        let rendered = try remembered(key) { try render(frame, template: template) }
        let frameBytes = Array(rendered.utf8), slot = Array(Self.slot.utf8)
        var page: [UInt8] = []
        page.reserveCapacity(frameBytes.count + fillings.joined().reduce(0) { $0 + $1.utf8.count })
        var from = 0, filled = 0
        while let at = Self.firstIndex(of: slot, in: frameBytes, from: from) {
            page += frameBytes[from..<at]
            if filled < fillings.count { for part in fillings[filled] { page += part.utf8 } }
            filled += 1
            from = at + slot.count
        }
        page += frameBytes[from...]
        return page
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first && needle.indices.allSatisfy({ haystack[index + $0] == needle[$0] }) { return index }
            index += 1
        }
        return nil
    }

    private func remembered(_ key: [UInt8], _ make: () throws -> String) rethrows -> String {
        if let html = fragments[FragmentKey(bytes: key)] { return html }
        let html = try make()
        fragments[FragmentKey(bytes: key)] = html
        return html
    }

    /// The view model is handed to swift-mustache as dictionaries (`TemplateContext`), never reflected.
    public func render(_ view: some Encodable & Sendable, template: String) throws -> String {
        guard let html = library.render(try TemplateContext.make(view), withTemplate: template) else {
            throw TemplateError("there is no template named \(template)")
        }
        return html
    }
}

/// A fragment's key: its bytes hashed in one call (an `[UInt8]` hashes itself byte by byte).
struct FragmentKey: Hashable {
    let bytes: [UInt8]
    func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
}

/// HTML escaping over UTF-8 bytes, copying runs that need none at once. swift-mustache's own escaper goes
/// character by character through a dictionary (18% of `/schedules`, measured); this one escapes the same five
/// characters the same way.
struct HTMLEscaping: MustacheContentType {
    static let name = "HERALD_HTML"

    func escapeText(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var text = text
        return text.withUTF8 { utf8 in
            var out: [UInt8] = []
            out.reserveCapacity(utf8.count + 16)
            for byte in utf8 {
                switch byte {
                case 0x26: out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])        // &amp;
                case 0x3C: out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])              // &lt;
                case 0x3E: out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])              // &gt;
                case 0x22: out.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                case 0x27: out.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])        // &#39;
                default: out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

public struct TemplateError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `pages/error`: 404, 405, 500 and friends.
public struct ErrorPageView: Sendable, Encodable {
    public let chrome: PageChrome
    public let status: Int
    public let heading: String
    public let message: String
}
