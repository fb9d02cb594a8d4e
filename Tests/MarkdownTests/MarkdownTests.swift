import Markdown
import Testing

@Suite struct MarkdownRenderingTests {
    @Test func rendersHeadingsEmphasisAndParagraphs() {
        #expect(Markdown.html(from: "# Title") == "<h1>Title</h1>\n")
        #expect(Markdown.html(from: "## Sub") == "<h2>Sub</h2>\n")
        #expect(Markdown.html(from: "*em* and **strong**")
            == "<p><em>em</em> and <strong>strong</strong></p>\n")
    }

    @Test func rendersLists() {
        #expect(Markdown.html(from: "- a\n- b") == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n")
        #expect(Markdown.html(from: "1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n")
    }

    @Test func rendersLinksAndImages() {
        #expect(Markdown.html(from: "[docs](https://example.org/a?b=1&c=2)")
            == "<p><a href=\"https://example.org/a?b=1&amp;c=2\">docs</a></p>\n")
        #expect(Markdown.html(from: "![logo](/static/logo.png)")
            == "<p><img src=\"/static/logo.png\" alt=\"logo\" /></p>\n")
    }

    @Test func rendersAndEscapesCode() {
        #expect(Markdown.html(from: "`a < b`") == "<p><code>a &lt; b</code></p>\n")
        #expect(Markdown.html(from: "```sql\nSELECT 1 < 2;\n```")
            == "<pre><code class=\"language-sql\">SELECT 1 &lt; 2;\n</code></pre>\n")
    }

    @Test func escapesHTMLSpecialCharactersInText() {
        #expect(Markdown.html(from: "a & b \"c\"") == "<p>a &amp; b &quot;c&quot;</p>\n")
    }

    @Test func leavesQuotesAndDashesAloneBecauseSmartPunctuationIsOff() {
        #expect(Markdown.html(from: "'x' -- y...") == "<p>'x' -- y...</p>\n")
    }

    @Test func stripsScriptBlocks() {
        let html = Markdown.html(from: "<script>alert(1)</script>\n\ntext")
        #expect(!html.contains("<script"))
        #expect(html.contains("<!-- raw HTML omitted -->"))
        #expect(html.contains("<p>text</p>"))
    }

    @Test func stripsInlineHTMLWithEventHandlers() {
        let html = Markdown.html(from: "look <img src=x onerror=alert(1)> here")
        #expect(!html.contains("<img"))
        #expect(!html.contains("onerror"))
        #expect(html == "<p>look <!-- raw HTML omitted --> here</p>\n")
    }

    @Test func dropsJavascriptLinkTargets() {
        for source in ["[x](javascript:alert(1))", "[x](JavaScript:alert(1))", "<javascript:alert(1)>",
                       "![x](javascript:alert(1))", "[x](vbscript:msgbox)", "[x]: javascript:alert(1)\n\n[x]"] {
            let html = Markdown.html(from: source).lowercased()
            // The URL may survive as visible text (an autolink shows it); it must never be an href or src.
            for attribute in ["href=\"javascript:", "src=\"javascript:", "href=\"vbscript:"] {
                #expect(!html.contains(attribute), "\(source) → \(html)")
            }
        }
        #expect(Markdown.html(from: "[x](javascript:alert(1))") == "<p><a href=\"\">x</a></p>\n")
    }

    @Test func preservesUnicode() {
        #expect(Markdown.html(from: "Grüße aus Köln — 日本語 🎉") == "<p>Grüße aus Köln — 日本語 🎉</p>\n")
    }

    @Test func rendersEmptyInputAsEmptyOutput() {
        #expect(Markdown.html(from: "") == "")
        #expect(Markdown.html(from: "   \n\n") == "")
    }

    @Test func replacesNULCharacters() {
        #expect(Markdown.html(from: "a\u{0}b") == "<p>a\u{FFFD}b</p>\n")
    }
}
