import CCmark
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CommonMark to HTML for report descriptions and e-mail bodies written by users.
public enum Markdown {
    /// Safe mode: raw HTML becomes `<!-- raw HTML omitted -->` and `javascript:`, `vbscript:`, `file:` and
    /// non-image `data:` URLs become empty. That is cmark 0.30's default; CMARK_OPT_SAFE is passed anyway so an
    /// older cmark (before 0.29, unsafe by default) stays safe. Smart punctuation stays off: it would rewrite quotes
    /// and dashes inside text that users may paste as identifiers or SQL.
    static let options = CMARK_OPT_DEFAULT | CMARK_OPT_SAFE

    public static func html(from markdown: String) -> String {
        var source = markdown
        let rendered = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                cmark_markdown_to_html(text.baseAddress, text.count, options)
            }
        }
        guard let rendered else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }
}
