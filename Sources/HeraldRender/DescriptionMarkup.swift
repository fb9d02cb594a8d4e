import PangoCairo

/// A report's Markdown description as Pango markup, for the PDF's first page: `DescriptionText`'s walk with Pango's
/// tags (`b`, `i`, `tt`, a bold larger `span` for headings) and Pango's escaping of every literal.
enum DescriptionMarkup {
    static let style = DescriptionText.Style(
        escape: { PangoMarkup.escape($0) }, heading: ("<span weight=\"bold\" size=\"larger\">", "</span>"),
        emphasis: ("<i>", "</i>"), strong: ("<b>", "</b>"), code: ("<tt>", "</tt>"))

    static func markup(fromMarkdown markdown: String) -> String { DescriptionText.render(markdown, style: style) }
}
