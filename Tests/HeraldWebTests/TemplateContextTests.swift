import Foundation
import Mustache
import Testing
@testable import HeraldWeb

/// Pages render from `TemplateContext`'s dictionaries and escape with `HTMLEscaping`: both must keep what
/// swift-mustache did with the view model itself.
struct TemplateContextTests {
    struct Tag: Encodable, Sendable { let word: String; let tone: String }
    struct Row: Encodable, Sendable { let name: String; let note: String?; let tag: Tag; let count: Int; let flag: Bool }
    struct View: Encodable, Sendable { let title: String; let note: String; let rows: [Row]; let empty: [Row]; let at: Date; let id: UUID }

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
        ], empty: [], at: at, id: id)
        let html = try render(view, "{{title}}|{{#rows}}{{name}}:{{note}}:{{#tag}}{{word}}/{{tone}}{{/tag}}:{{count}}:{{#flag}}F{{/flag}}{{^flag}}f{{/flag}};{{/rows}}|{{^empty}}none{{/empty}}|{{at}}|{{id}}")
        // A nil optional is a missing key: the lookup goes up the stack and finds the outer note, as with Mirror.
        #expect(html == "T|a:outer note:ok/pass:0:F;b:inner:no/fail:2:f;|none|\(at)|\(id)")
    }

    @Test func escapesTheFiveCharactersAndNothingElse() {
        let escaping = HTMLEscaping()
        #expect(escaping.escapeText(#"<script>alert("x") & 'y'</script>"#) == "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(escaping.escapeText("Zürich → 😀 <b>") == "Zürich → 😀 &lt;b&gt;")
        #expect(escaping.escapeText("plain text") == "plain text")
        #expect(escaping.escapeText("") == "")
    }
}
