import Markdown

/// A report's Markdown description as plain text, for places that show no formatting (the XLSX About sheet): cmark
/// parses it, raw HTML is left out, emphasis marks go, paragraphs and list items become lines ("• ", "1. "), links
/// keep their text. The same walk as `DescriptionMarkup`, without markup.
enum DescriptionText {
    static func plainText(fromMarkdown markdown: String) -> String {
        var out = ""
        var lists: [(ordered: Bool, next: Int)] = []
        var itemJustOpened = false

        func startBlock() {
            if itemJustOpened { itemJustOpened = false; return }
            if !out.isEmpty && !out.hasSuffix("\n") { out += "\n" }
        }

        for event in Markdown.events(from: markdown) {
            switch event {
            case .enter(.paragraph), .enter(.blockQuote), .enter(.heading): startBlock()
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
            case .text(let text), .code(let text): itemJustOpened = false; out += text
            case .codeBlock(let code): startBlock(); out += String(code.reversed().drop { $0 == "\n" }.reversed())
            case .softBreak: out += " "
            case .lineBreak: out += "\n"
            case .thematicBreak: startBlock(); out += "―――"
            case .exit, .enter(.emphasis), .enter(.strong), .enter(.link): break
            }
        }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }
}
