import Foundation
import Mustache
import Testing
@testable import HeraldWeb

/// Pages render from `TemplateContext`'s dictionaries and escape with `HTMLEscaping`: both must keep what
/// swift-mustache did with the view model itself.
struct TemplateContextTests {
    struct Tag: Encodable, Sendable { let word: String; let tone: String }
    struct Row: Encodable, Sendable { let name: String; let note: String?; let tag: Tag; let count: Int; let flag: Bool }
    struct View: Encodable, Sendable {
        let title: String; let note: String; let rows: [Row]; let empty: [Row]; let at: Date; let id: UUID; let big: UInt64; let ratio: Float
    }

    func render(_ view: View, _ template: String) throws -> String {
        MustacheContentTypes.register(HTMLEscaping(), named: HTMLEscaping.name)
        let library = MustacheLibrary(templates: ["t": try MustacheTemplate(string: "{{% CONTENT_TYPE: \(HTMLEscaping.name)}}" + template)])
        return library.render(try TemplateContext.make(view), withTemplate: "t") ?? "(no template)"
    }

    @Test func rendersAsTheViewModelDid() throws {
        let id = UUID()
        let at = Date(timeIntervalSince1970: 0)
        let view = View(title: "T", note: "outer note", rows: [
            Row(name: "a", note: nil, tag: Tag(word: "ok", tone: "pass"), count: 0, flag: true),
            Row(name: "b", note: "inner", tag: Tag(word: "no", tone: "fail"), count: 2, flag: false),
        ], empty: [], at: at, id: id, big: .max, ratio: 0.5)
        let html = try render(view, "{{title}}|{{#rows}}{{name}}:{{note}}:{{#tag}}{{word}}/{{tone}}{{/tag}}:{{count}}:{{#flag}}F{{/flag}}{{^flag}}f{{/flag}};{{/rows}}|{{^empty}}none{{/empty}}|{{at}}|{{id}}|{{big}}|{{ratio}}")
        // A nil optional is a missing key: the lookup goes up the stack and finds the outer note, as with Mirror.
        #expect(html == "T|a:outer note:ok/pass:0:F;b:inner:no/fail:2:f;|none|\(at)|\(id)|18446744073709551615|0.5")
    }

    @Test func escapesTheFiveCharactersAndNothingElse() {
        let escaping = HTMLEscaping()
        #expect(escaping.escapeText(#"<script>alert("x") & 'y'</script>"#) == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(escaping.escapeText("Zürich → 😀 <b>") == "Zürich → 😀 &lt;b&gt;")
        #expect(escaping.escapeText("plain text") == "plain text")
        #expect(escaping.escapeText("") == "")
    }
}

/// A remembered fragment is the same HTML the template renders, keyed by every field of its view model.
struct FragmentCacheTests {
    struct Row: Encodable, Sendable { let name: String; let note: String? }

    @Test func aFragmentIsRenderedOnceAndKeyedByItsWholeViewModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fragments-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in Templates.required + ["row"] {
            let file = folder.appendingPathComponent(name + ".mustache")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((name == "row" ? "<td>{{name}}{{#note}} ({{.}}){{/note}}</td>" : "").utf8).write(to: file)
        }
        let templates = try Templates.load(directory: folder.path)
        let hostile = Row(name: "<script>alert(1)</script>", note: nil)
        let first = try templates.renderFragment(hostile, template: "row")
        #expect(first == "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>")
        #expect(try templates.renderFragment(hostile, template: "row") == first)
        #expect(try templates.renderFragment(Row(name: "<script>alert(1)</script>", note: "x"), template: "row")
                == "<td>&lt;script&gt;alert(1)&lt;/script&gt; (x)</td>")
        #expect(try templates.renderFragment(Row(name: "b", note: nil), template: "row") == "<td>b</td>")
        #expect(templates.fragments.count == 3)
    }

    struct Frame: Encodable, Sendable { let title: String; let rows: String }

    @Test func aFrameIsRememberedByItsViewModelAndItsSlotFilledWithTheParts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in Templates.required + ["list", "row"] {
            let file = folder.appendingPathComponent(name + ".mustache")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            let text = name == "list" ? "<h1>{{title}}</h1><table>{{{rows}}}</table>{{{rows}}}" : name == "row" ? "<tr>{{name}}</tr>" : ""
            try Data(text.utf8).write(to: file)
        }
        let templates = try Templates.load(directory: folder.path)
        var made = 0
        let row = try templates.renderFragment(madeFrom: "id-1 v1", template: "row") { made += 1; return Row(name: "<b>", note: nil) }
        #expect(try templates.renderFragment(madeFrom: "id-1 v1", template: "row") { made += 1; return Row(name: "other", note: nil) } == row)
        #expect(made == 1)
        #expect(row == "<tr>&lt;b&gt;</tr>")
        // A title that spells the slot is escaped, so it cannot take the rows.
        let hostile = Frame(title: Templates.slot, rows: Templates.slot)
        func frame(_ view: Frame, _ fillings: [[String]]) throws -> String {
            String(decoding: try templates.renderFrame(view, template: "list", filling: fillings), as: UTF8.self)
        }
        let page = try frame(hostile, [[row, "<tr>2</tr>"], ["id-7"]])
        #expect(page == "<h1>&lt;!--herald-slot--&gt;</h1><table><tr>&lt;b&gt;</tr><tr>2</tr></table>id-7")
        #expect(try frame(hostile, [[]]) == "<h1>&lt;!--herald-slot--&gt;</h1><table></table>")
        #expect(try frame(Frame(title: "B", rows: Templates.slot), [["x"], ["y"]]) == "<h1>B</h1><table>x</table>y")
        #expect(templates.fragments.count == 3)
    }
}
