import Markdown

/// A report's Markdown description as lines of text, in one walk of cmark's tree for every format that shows it:
/// plain (the XLSX About sheet) or Pango markup (the PDF's first page). cmark parses it; raw HTML is left out,
/// paragraphs and list items become lines ("• ", "1. ", nested by four spaces), links keep their text. Only the
/// style writes tags, and every literal from the description goes through its escape, so nothing the author writes
/// (raw HTML, `<script>`, `&`) becomes markup.
struct DescriptionText {
    /// How emphasis, headings and code look, and how literal text is made safe.
    struct Style: Sendable {
        var escape: @Sendable (String) -> String = { $0 }
        var heading = ("", "")
        var emphasis = ("", "")
        var strong = ("", "")
        var code = ("", "")
    }

    static func plainText(fromMarkdown markdown: String) -> String { render(markdown, style: Style()) }

    static func render(_ markdown: String, style: Style) -> String {
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
            case .enter(.heading): startBlock(); out += style.heading.0
            case .exit(.heading): out += style.heading.1
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
            case .enter(.emphasis): out += style.emphasis.0
            case .exit(.emphasis): out += style.emphasis.1
            case .enter(.strong): out += style.strong.0
            case .exit(.strong): out += style.strong.1
            case .text(let text): itemJustOpened = false; out += style.escape(text)
            case .code(let code): itemJustOpened = false; out += style.code.0 + style.escape(code) + style.code.1
            case .codeBlock(let code):
                startBlock()
                out += style.code.0 + style.escape(String(code.reversed().drop { $0 == "\n" }.reversed())) + style.code.1
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
