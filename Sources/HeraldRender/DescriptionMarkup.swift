import Markdown
import PangoCairo

/// A report's Markdown description as Pango markup, for the PDF's first page. cmark parses it; only this converter
/// writes tags (`b`, `i`, `tt`, `span`), and every literal from the description is escaped, so nothing the author
/// writes (raw HTML, `<script>`, `&`) becomes markup. Paragraphs, headings, lists (nested, numbered), code and
/// quotes are kept; links keep their text.
enum DescriptionMarkup {
    static func markup(fromMarkdown markdown: String) -> String {
        var out = ""
        var lists: [(ordered: Bool, next: Int)] = []
        var itemJustOpened = false

        func startBlock() {
            if itemJustOpened { itemJustOpened = false; return }
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        }

        for event in Markdown.events(from: markdown) {
            switch event {
            case .enter(.paragraph), .enter(.blockQuote): startBlock()
            case .enter(.heading): startBlock(); out += "<span weight=\"bold\" size=\"larger\">"
            case .exit(.heading): out += "</span>"
            case .enter(.list(let ordered, let start)): lists.append((ordered, start))
            case .exit(.list): lists.removeLast()
            case .enter(.item):
                startBlock()
                out += String(repeating: "    ", count: max(lists.count - 1, 0))
                if let last = lists.indices.last, lists[last].ordered {
                    out += "\(lists[last].next). "
                    lists[last].next += 1
                } else {
                    out += "• "
                }
                itemJustOpened = true
            case .enter(.emphasis): out += "<i>"
            case .exit(.emphasis): out += "</i>"
            case .enter(.strong): out += "<b>"
            case .exit(.strong): out += "</b>"
            case .text(let text): itemJustOpened = false; out += PangoMarkup.escape(text)
            case .code(let code): itemJustOpened = false; out += "<tt>" + PangoMarkup.escape(code) + "</tt>"
            case .codeBlock(let code):
                startBlock()
                out += "<tt>" + PangoMarkup.escape(String(code.reversed().drop { $0 == "\n" }.reversed())) + "</tt>"
            case .softBreak: out += " "
            case .lineBreak: out += "\n"
            case .thematicBreak: startBlock(); out += "―――"
            case .exit(.paragraph), .exit(.blockQuote), .exit(.item), .enter(.link), .exit(.link): break
            }
        }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }
}
