import CCmark
import Foundation

/// CommonMark to HTML through cmark, in its default SAFE mode: raw HTML is replaced by a comment and `javascript:`,
/// `vbscript:`, `file:` and most `data:` links are emptied, so report descriptions written by users cannot inject
/// script into pages or e-mails.
public enum Markdown {
    public static func html(from markdown: String) -> String {
        let bytes = Array(markdown.utf8)
        let rendered = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                cmark_markdown_to_html(chars.baseAddress, chars.count, CMARK_OPT_DEFAULT)
            }
        }
        guard let rendered else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }
}
