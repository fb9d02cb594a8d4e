import Markdown
import Testing

/// The tree walk that formats other than HTML build on: literals as they are, raw HTML never.
struct MarkdownEventTests {
    @Test func walksBlocksAndInlinesInOrder() {
        #expect(Markdown.events(from: "# T\n\n3. *a* `b<c`\n4. **d**") == [
            .enter(.heading(level: 1)), .text("T"), .exit(.heading(level: 1)),
            .enter(.list(ordered: true, start: 3)),
            .enter(.item), .enter(.paragraph), .enter(.emphasis), .text("a"), .exit(.emphasis), .text(" "), .code("b<c"), .exit(.paragraph), .exit(.item),
            .enter(.item), .enter(.paragraph), .enter(.strong), .text("d"), .exit(.strong), .exit(.paragraph), .exit(.item),
            .exit(.list(ordered: true, start: 3)),
        ])
    }

    @Test func leavesRawHTMLOutAndDecodesEntities() {
        #expect(Markdown.events(from: "<div>x</div>\n\na <b>b</b> &amp; c") == [
            .enter(.paragraph), .text("a "), .text("b"), .text(" & c"), .exit(.paragraph),
        ])
    }
}
