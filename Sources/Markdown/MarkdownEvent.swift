import CCmark
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One step of a walk over a Markdown document's tree (cmark's own parse), for formats other than HTML (a PDF's
/// description) to build their own safe output: every piece of text arrives as a literal to escape, and raw HTML
/// never arrives at all.
public enum MarkdownEvent: Equatable, Sendable {
    public enum Container: Equatable, Sendable {
        case paragraph, blockQuote, item, emphasis, strong, link
        case heading(level: Int)
        case list(ordered: Bool, start: Int)
    }

    case enter(Container)
    case exit(Container)
    case text(String)
    case code(String)
    case codeBlock(String)
    case softBreak, lineBreak, thematicBreak
}

extension Markdown {
    /// The document as a flat list of events, in order. Raw HTML (blocks and inline) is left out, as in `html(from:)`.
    public static func events(from markdown: String) -> [MarkdownEvent] {
        var source = markdown
        let parsed = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { cmark_parse_document($0.baseAddress, $0.count, options) }
        }
        guard let document = parsed else { return [] }
        defer { cmark_node_free(document) }
        guard let iterator = cmark_iter_new(document) else { return [] }
        defer { cmark_iter_free(iterator) }
        var events: [MarkdownEvent] = []
        while case let kind = cmark_iter_next(iterator), kind != CMARK_EVENT_DONE {
            guard let node = cmark_iter_get_node(iterator) else { continue }
            let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
            let container: MarkdownEvent.Container
            switch cmark_node_get_type(node) {
            case CMARK_NODE_TEXT: events.append(.text(literal)); continue
            case CMARK_NODE_CODE: events.append(.code(literal)); continue
            case CMARK_NODE_CODE_BLOCK: events.append(.codeBlock(literal)); continue
            case CMARK_NODE_SOFTBREAK: events.append(.softBreak); continue
            case CMARK_NODE_LINEBREAK: events.append(.lineBreak); continue
            case CMARK_NODE_THEMATIC_BREAK: events.append(.thematicBreak); continue
            case CMARK_NODE_PARAGRAPH: container = .paragraph
            case CMARK_NODE_BLOCK_QUOTE: container = .blockQuote
            case CMARK_NODE_ITEM: container = .item
            case CMARK_NODE_EMPH: container = .emphasis
            case CMARK_NODE_STRONG: container = .strong
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE: container = .link
            case CMARK_NODE_HEADING: container = .heading(level: Int(cmark_node_get_heading_level(node)))
            case CMARK_NODE_LIST:
                container = .list(ordered: cmark_node_get_list_type(node) == CMARK_ORDERED_LIST, start: Int(cmark_node_get_list_start(node)))
            default: continue   // the document itself, raw HTML, custom nodes
            }
            events.append(kind == CMARK_EVENT_ENTER ? .enter(container) : .exit(container))
        }
        return events
    }
}
