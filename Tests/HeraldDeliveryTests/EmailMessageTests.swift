import Curl
import Foundation
import HeraldCore
import Testing
@testable import HeraldDelivery

/// The pieces of a report email that need no server: RFC 2047 words and folding, RFC 2231 file names, the header
/// block's checks, placeholders and their escaping, the body's tables and the size rule.
struct EmailMessageTests {
    static func decoded(_ word: String) -> String? {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return nil }
        return Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func encodedWordsAreShortSplitBetweenCharactersAndDecodeBackToTheText() {
        let text = "Umsätze für 2026 — 日本語のレポート 📈 " + String(repeating: "é", count: 60)
        let words = EncodedWord.words(text, firstLineUsed: 9)
        #expect(words.count > 2)
        #expect(words.allSatisfy { $0.count <= 75 })
        #expect(words[0].count + 9 <= 78)
        let pieces = words.compactMap(Self.decoded)
        #expect(pieces.count == words.count, "every word decodes alone (no character cut in two)")
        #expect(pieces.joined() == text)
    }

    @Test func plainTextIsFoldedAtSpacesAndOnlyNonASCIIIsEncoded() {
        let subject = String(repeating: "quarterly ", count: 20) + "end"
        let folded = EncodedWord.unstructured(subject, headerName: "Subject")
        let lines = ("Subject: " + folded).components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == subject, "unfolding gives the subject back")
        #expect(EncodedWord.unstructured("Sales", headerName: "Subject") == "Sales")
        #expect(EncodedWord.unstructured("looks =?like?= a word", headerName: "Subject").hasPrefix("=?UTF-8?B?"))
        #expect(EncodedWord.displayName("Ops, \"EU\"", headerName: "From") == #""Ops, \"EU\"""#)
    }

    @Test func nonASCIIFileNamesUseRFC2231WithContinuationsWhenLong() {
        #expect(EncodedWord.parameter("filename", "sales.csv") == "filename=\"sales.csv\"")
        #expect(EncodedWord.parameter("filename", "Übersicht.csv") == "filename*=UTF-8''%C3%9Cbersicht.csv")
        let long = EncodedWord.parameter("filename", String(repeating: "é", count: 40) + ".csv")
        #expect(long.hasPrefix("filename*0*=UTF-8''%C3%A9"))
        #expect(long.contains(";\r\n filename*1*="))
        #expect(long.components(separatedBy: "\r\n").allSatisfy { $0.count < 78 })
    }

    @Test func theHeaderBlockHasNoBccAndRefusesLineBreaksAndBadAddresses() throws {
        var headers = EmailHeaders(fromAddress: "reports@example.org", fromName: "Herald", to: ["a@example.org", "b@example.org"],
                                   cc: ["c@example.org"], subject: "Sales", executionID: "e1")
        let (lines, messageID) = try headers.lines(date: Date(timeIntervalSince1970: 1_796_000_000), random: "abc")
        #expect(messageID == "<e1.abc@example.org>")
        #expect(lines.contains("To: a@example.org,\r\n b@example.org"))
        #expect(lines.contains("Date: Mon, 30 Nov 2026 00:53:20 +0000"))
        #expect(lines.contains("From: \"Herald\" <reports@example.org>"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc") })
        let blindOnly = EmailHeaders(fromAddress: "reports@example.org", fromName: nil, to: [], cc: [], subject: "S", executionID: "e1")
        #expect(try blindOnly.lines(random: "x").lines.contains("To: undisclosed-recipients:;"))

        for subject in ["a\r\nBcc: x@y.org", "a\nb", "a\u{2028}b", "a\u{2029}b", "a\u{85}b"] {
            headers.subject = subject
            #expect(throws: DeliveryError.self, "\(subject.debugDescription)") { try headers.lines(random: "x") }
        }
        headers.subject = "ok"
        headers.fromName = "Ops\u{2028}Bcc: x@y.org"
        #expect(throws: DeliveryError.self) { try headers.lines(random: "x") }
        headers.fromName = nil
        for address in ["a@b", "a b@example.org", "a>b@example.org", "a,b@example.org", "ü@example.org", "a@example.org\r\nBcc: x@y.org"] {
            headers.to = [address]
            #expect(throws: DeliveryError.self, "\(address.debugDescription)") { try headers.lines(random: "x") }
        }
    }

    @Test func placeholdersAreFilledAndEscapedForTheHTMLPart() {
        var context = DeliveryContext(reportName: "A&B <x> *y* [z](javascript:1)", localDateTime: "2026-12-01 07:05:00", executionID: UUID())
        context.rowCount = 7
        let template = EmailTemplate(context)
        #expect(template.fill("{report_name}|{schedule_name}|{date}|{time}|{logical_date}|{row_count}|{unknown}")
                == "A&B <x> *y* [z](javascript:1)|A&B <x> *y* [z](javascript:1)|2026-12-01|07:05|2026-12-01|7|{unknown}")
        let body = EmailBody(markdown: "Report: {report_name} <script>alert(1)</script>", context: context, files: .none, includeRows: false)
        #expect(body.text.hasPrefix("Report: A&B <x> *y* [z](javascript:1) <script>"))
        #expect(body.html.contains("Report: A&amp;B &lt;x&gt; *y* [z](javascript:1)"), "\(body.html)")
        #expect(!body.html.contains("<script>"))
        #expect(!body.html.contains("<em>") && !body.html.contains("<a "))
    }

    @Test func rowsBecomeAnEscapedHTMLTableAndAnAlignedTextTable() {
        var context = DeliveryContext(reportName: "R", localDateTime: "2026-12-01 07:00:00", executionID: UUID())
        context.columns = ["region", "n"]
        context.firstRows = [["north", "1"], ["<south>", "22"]] + (0..<30).map { ["r\($0)", "\($0)"] }
        let body = EmailBody(markdown: nil, context: context, files: .none, includeRows: true)
        #expect(body.html.contains("<th>region</th><th>n</th>"))
        #expect(body.html.contains("<td>&lt;south&gt;</td><td>22</td>"))
        #expect(body.html.components(separatedBy: "<tr>").count - 1 == 21, "a header row and 20 rows")
        #expect(body.text.contains("region   n\n-------  --\nnorth    1\n<south>  22\n"), "\(body.text)")
    }

    @Test func theSizeRuleCountsBase64AndLinksNameTheirExpiry() {
        #expect(EmailFiles.encodedSize(3 * 1024 * 1024) > 4 * 1024 * 1024)
        #expect(EmailFiles.encodedSize(0) <= 2)
        #expect(EmailFiles.contentType("csv") == "text/csv; charset=utf-8")
        #expect(EmailFiles.contentType("xlsx") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        let links = [EmailFiles.Link(name: "a.csv", format: "csv", url: "https://h/downloads/1?expires=1796000000&sig=aa")]
        #expect(EmailBody.expiry(of: links) == "30 Nov 2026 00:53 UTC")
        let note = EmailBody.filesNote(.links(links, oversize: 13_000_000))
        #expect(note.text.hasPrefix("The files (12.4 MB) were too large to attach; download them here, until 30 Nov 2026 00:53 UTC:"))
        #expect(note.html.contains("href=\"https://h/downloads/1?expires=1796000000&amp;sig=aa\""))
    }
}

/// Reading an SMTP conversation from curl's trace: each recipient's reply, the failing step, and nothing of a login.
struct SMTPReplyLogTests {
    @Test func eachRecipientGetsItsOwnReplyAndLoginLinesAreNotKept() {
        let log = SMTPReplyLog()
        let lines: [(Bool, String)] = [
            (true, "220 mx ESMTP"), (false, "EHLO herald"), (true, "250-mx"), (true, "250 AUTH LOGIN PLAIN"),
            (false, "AUTH LOGIN"), (true, "334 VXNlcm5hbWU6"), (false, "aGVyYWxk"), (true, "334 UGFzc3dvcmQ6"), (false, "c2VjcmV0"), (true, "235 ok"),
            (false, "MAIL FROM:<r@example.org>"), (true, "250 OK"),
            (false, "RCPT TO:<a@example.org>"), (true, "250 OK"),
            (false, "RCPT TO:<b@example.org>"), (true, "550-5.1.1 no such"), (true, "550 5.1.1 mailbox unavailable"),
            (false, "RCPT TO:<c@example.org>"), (true, "451 4.3.0 try later"),
            (false, "DATA"), (true, "354 go ahead"),
        ]
        for (incoming, line) in lines { log.record(incoming: incoming, line: line) }
        #expect(log.recipientReplies["a@example.org"]?.code == 250)
        #expect(log.recipientReplies["b@example.org"]?.text == "550 5.1.1 mailbox unavailable")
        #expect(log.recipientReplies["c@example.org"]?.code == 451)
        #expect(log.lastCommand == "DATA")
        #expect(SMTPTransaction.refusal("b@example.org", log.recipientReplies["b@example.org"]!).permanent)
        #expect(!SMTPTransaction.refusal("c@example.org", log.recipientReplies["c@example.org"]!).permanent, "4xx is transient")
        #expect(!String(describing: log.recipientReplies).contains("c2VjcmV0"))
    }

    @Test func aFailedTransactionNamesItsStepAndIsPermanentAfterA5xx() {
        let dataRefused = SMTPReplyLog()
        for (incoming, line) in [(false, "DATA"), (true, "554 5.6.0 message refused")] { dataRefused.record(incoming: incoming, line: line) }
        let refused = SMTPTransaction.failure(CurlError(code: 55, category: .connect, message: "DATA failed: 554"), log: dataRefused)
        #expect(refused.description == "data: connect: DATA failed: 554")
        #expect(refused.permanent)

        let busy = SMTPReplyLog()
        for (incoming, line) in [(false, "MAIL FROM:<r@example.org>"), (true, "421 4.7.0 too busy")] { busy.record(incoming: incoming, line: line) }
        let later = SMTPTransaction.failure(CurlError(code: 8, category: .protocol, message: "MAIL failed: 421"), log: busy)
        #expect(later.description.hasPrefix("sender: "))
        #expect(!later.permanent)

        let login = SMTPTransaction.failure(CurlError(code: 67, category: .auth, message: "Login denied"), log: SMTPReplyLog())
        #expect(login.description == "auth: Login denied")
        #expect(login.permanent)
    }
}
