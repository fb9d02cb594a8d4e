import Crypto
import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport
import Testing

/// The email channel against the real aiosmtpd servers (`deploy/test.sh`), each message read back with Python's
/// `email` package. Every test sends to recipients of its own and looks only at messages that carry them.
@Suite struct EmailChannelTests {
    // MARK: Headers, alternatives, attachments, BCC

    @Test func aReportEmailHasItsHeadersBothAlternativesAndTheExactFiles() throws {
        let smtp = try DeliveryServers.smtp()
        let (to, cc, bcc) = (Self.address("to"), Self.address("cc"), Self.address("bcc"))
        let csv = try Self.artifact(Array("id,name\r\n1,<Ann & Bob>\r\n".utf8), format: "csv")
        let xlsx = try Self.artifact(SecureRandom.bytes(70_000), format: "xlsx")
        var context = Self.context(report: "Sales <EU> & *more*")
        context.fileNames = ["csv": "sales_2026-12-01.csv", "xlsx": "sales_2026-12-01.xlsx"]
        context.columns = ["id", "name"]
        context.firstRows = (1...25).map { ["\($0)", "<cell \($0)>"] }
        context.rowCount = 25
        let channel = try Self.channel(smtp, settings: [
            "to": [to], "cc": [cc], "bcc": [bcc],
            "subject": "{report_name}: {row_count} rows on {date}",
            "body_md": "# {report_name}\n\nRows: **{row_count}** at {time}. <b>raw html</b>",
            "include_rows": true,
            "smtp": Self.plainServer(smtp),
        ])
        #expect(channel.recipients == [to, cc, bcc])

        let outcomes = try channel.deliver([csv, xlsx], context: context, to: channel.recipients)
        #expect(outcomes.map(\.recipient) == [to, cc, bcc])
        #expect(outcomes.allSatisfy { $0.error == nil })

        let mail = try smtp.waitForMessage { $0.recipients.contains(to) }
        #expect(Set(mail.recipients) == [to, cc, bcc], "BCC is in the envelope")
        let parsed = try ParsedEmail.parse(mail)
        #expect(parsed.defects.isEmpty && parsed.tree.allDefects.isEmpty, "\(parsed.defects) \(parsed.tree.allDefects)")

        // Headers.
        #expect(parsed.value("From") == "Herald Reports <reports@example.org>")
        #expect(parsed.value("To") == to)
        #expect(parsed.value("Cc") == cc)
        #expect(parsed.values("Bcc").isEmpty)
        for header in parsed.raw_headers { #expect(!header[1].contains(bcc), "\(header[0]) names the blind copy") }
        #expect(parsed.value("Subject") == "Sales <EU> & *more*: 25 rows on 2026-12-01")
        #expect(parsed.value("MIME-Version") == "1.0")
        #expect(parsed.value("X-Herald-Execution") == context.executionID.uuidString.lowercased())
        let messageID = try #require(parsed.value("Message-ID"))
        #expect(messageID.hasPrefix("<" + context.executionID.uuidString.lowercased() + "."))
        #expect(messageID.hasSuffix("@example.org>"))
        #expect(outcomes.allSatisfy { $0.detail == messageID })
        let date = try #require(parsed.value("Date"))
        #expect(date.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression) != nil, "\(date)")

        // multipart/mixed { multipart/alternative { text, html }, csv, xlsx }.
        #expect(parsed.tree.content_type == "multipart/mixed")
        let alternative = try #require(parsed.tree.parts?.first)
        #expect(alternative.content_type == "multipart/alternative")
        #expect(alternative.parts?.map(\.content_type) == ["text/plain", "text/html"])
        let text = try #require(parsed.textPart?.text)
        let html = try #require(parsed.htmlPart?.text)
        #expect(text.contains("# Sales <EU> & *more*"))
        #expect(text.contains("Rows: **25** at 07:00."))
        #expect(html.contains("<h1>Sales &lt;EU&gt; &amp; *more*</h1>"), "\(html)")
        #expect(!html.contains("<b>raw html</b>"), "raw HTML is dropped (safe mode)")
        #expect(!html.contains("<cell"))
        #expect(html.contains("<td>&lt;cell 20&gt;</td>"))
        #expect(!html.contains("cell 21"), "only the first 20 rows")
        #expect(text.contains("20  <cell 20>"))
        #expect(text.contains("Attached: sales_2026-12-01.csv"))

        let files = parsed.attachments
        #expect(files.map(\.content_type) == ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"])
        #expect(files.map(\.disposition) == ["attachment", "attachment"])
        #expect(files.map(\.filename) == ["sales_2026-12-01.csv", "sales_2026-12-01.xlsx"])
        #expect(files.map(\.sha256) == [try Self.sha256(csv), try Self.sha256(xlsx)])
    }

    @Test func withoutFilesTheMessageIsJustTheAlternativeAndInlineFilesAreInline() throws {
        let smtp = try DeliveryServers.smtp()
        let (first, second) = (Self.address("nofiles"), Self.address("inline"))
        let channel = try Self.channel(smtp, settings: ["to": [first], "smtp": Self.plainServer(smtp)])
        _ = try channel.deliver([], context: Self.context())
        let bare = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(first) })
        #expect(bare.tree.content_type == "multipart/alternative")
        #expect(bare.tree.parts?.map(\.content_type) == ["text/plain", "text/html"])
        #expect(bare.value("Subject") == "Sales for 2026-12-01", "the default subject")
        #expect(bare.textPart?.text?.contains("Here is **Sales** for 2026-12-01 07:00.") == true)

        let pdf = try Self.artifact(SecureRandom.bytes(5000), format: "pdf")
        let inline = try Self.channel(smtp, settings: ["to": [second], "attach": "inline", "smtp": Self.plainServer(smtp)])
        _ = try inline.deliver([pdf], context: Self.context())
        let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(second) })
        #expect(parsed.attachments.map(\.disposition) == ["inline"])
        #expect(parsed.attachments.map(\.content_type) == ["application/pdf"])
        #expect(parsed.attachments.first?.filename == "Sales_2026-12-01_0700.pdf", "the default file name")
        #expect(parsed.attachments.first?.sha256 == (try Self.sha256(pdf)))
    }

    // MARK: Per-recipient outcomes

    @Test func aRefusedRecipientFailsAloneAndAResendGoesOnlyToWhoIsAsked() throws {
        let smtp = try DeliveryServers.smtp()
        let (good, refused, other) = (Self.address("good"), Self.address("reject"), Self.address("other"))
        let channel = try Self.channel(smtp, settings: ["to": [good, refused], "cc": [other], "smtp": Self.plainServer(smtp)])
        let csv = try Self.artifact(Array("a\r\n".utf8), format: "csv")
        let outcomes = try channel.deliver([csv], context: Self.context(), to: channel.recipients)
        #expect(outcomes.map(\.recipient) == [good, refused, other])
        #expect(outcomes[0].error == nil && outcomes[2].error == nil)
        let error = try #require(outcomes[1].error)
        #expect(error.permanent)
        #expect(error.category == "remote rejected")
        #expect(error.description.contains("550"), "\(error)")
        let first = try smtp.waitForMessage { $0.recipients.contains(good) }
        #expect(Set(first.recipients) == [good, other])

        // The plain DeliveryChannel call fails when one recipient did.
        #expect(throws: DeliveryError.self) { try channel.deliver([csv], context: Self.context()) }

        // "Re-send failed": to just the refused one. The server refuses it again, and no one else gets a copy.
        let again = try channel.deliver([csv], context: Self.context(), to: [refused])
        #expect(again.map(\.recipient) == [refused])
        #expect(again[0].error?.permanent == true)

        // A re-send to one recipient reaches only that recipient, with the full To and Cc in its headers.
        let resent = try channel.deliver([csv], context: Self.context(), to: [other])
        #expect(resent.map(\.recipient) == [other] && resent[0].error == nil)
        let copies = try Self.waitForCount(smtp, of: other, count: 3)
        #expect(copies.count == 3, "the first send, the plain deliver, this re-send: the refused one's re-send reached no one else")
        let last = try #require(copies.last)
        #expect(last.recipients == [other])
        let parsed = try ParsedEmail.parse(last)
        #expect(parsed.value("To") == "\(good), \(refused)")
        #expect(parsed.value("Cc") == other)
        #expect(try smtp.messages().filter { $0.recipients.contains(good) }.count == 2, "the good one got the first send and the plain deliver's")
    }

    @Test func aTemporaryRefusalIsTransientAndARefusedMessageFailsEveryRecipientOfIt() throws {
        let smtp = try DeliveryServers.smtp()
        let (good, later) = (Self.address("good"), Self.address("tempfail"))
        let channel = try Self.channel(smtp, settings: ["to": [good, later], "smtp": Self.plainServer(smtp)])
        let outcomes = try channel.deliver([], context: Self.context(), to: [good, later])
        #expect(outcomes[0].error == nil)
        let error = try #require(outcomes[1].error)
        #expect(!error.permanent, "a 4xx reply: a retry may succeed")
        #expect(error.description.contains("451"))
        #expect(try smtp.waitForMessage { $0.recipients.contains(good) }.recipients == [good])

        let (first, refusing) = (Self.address("first"), Self.address("refusedata"))
        let refused = try Self.channel(smtp, settings: ["to": [first], "bcc": [refusing], "smtp": Self.plainServer(smtp)])
        let failed = try refused.deliver([], context: Self.context(), to: [first, refusing])
        #expect(failed.count == 2)
        for outcome in failed {
            let error = try #require(outcome.error, "\(outcome.recipient)")
            #expect(error.description.hasPrefix("data: "), "\(error)")
            #expect(error.permanent, "a 554 after DATA")
        }
        try Self.expectNothingArrived(smtp, for: [first, refusing])
    }

    @Test func moreRecipientsThanTheLimitGoInSeveralMessages() throws {
        let smtp = try DeliveryServers.smtp()
        let list = (0..<5).map { Self.address("batch\($0)") }
        let channel = try Self.channel(smtp, settings: ["to": list, "smtp": Self.plainServer(smtp)], maxRecipients: 2)
        let outcomes = try channel.deliver([], context: Self.context(), to: list)
        #expect(outcomes.allSatisfy { $0.error == nil })
        #expect(Set(outcomes.map(\.detail)).count == 3, "three messages, three Message-IDs")
        let mails = try Self.waitUntil("three batches") { () -> [ReceivedMail]? in
            let found = try smtp.messages().filter { !Set($0.recipients).isDisjoint(with: list) }
            return found.count == 3 ? found : nil
        }
        #expect(mails.map(\.recipients.count).sorted() == [1, 2, 2])
        #expect(Set(mails.flatMap(\.recipients)) == Set(list))
    }

    // MARK: The kept connection

    @Test func deliveriesThroughOneChannelShareOneConnectionAndTLSLogin() throws {
        let smtp = try DeliveryServers.smtp()
        let list = (0..<3).map { Self.address("kept\($0)") }
        let channel = try Self.channel(smtp, settings: ["to": [list[0]], "smtp": Self.startTLSServer(smtp)], password: smtp.password)
        let other = try Self.channel(smtp, settings: ["to": [list[2]], "smtp": Self.startTLSServer(smtp)], password: smtp.password)
        for _ in 0..<2 { #expect(try channel.deliver([], context: Self.context(), to: [list[0]]).allSatisfy { $0.error == nil }) }
        #expect(try other.deliver([], context: Self.context(), to: [list[2]]).allSatisfy { $0.error == nil })
        let kept = try Self.waitForCount(smtp, of: list[0], count: 2)
        #expect(kept.count == 2 && kept[0].connection == kept[1].connection, "the second message went over the first one's connection")
        let apart = try Self.waitForCount(smtp, of: list[2], count: 1)
        #expect(apart[0].connection != kept[0].connection, "another channel (another destination) has a connection of its own")
    }

    @Test func aKeptConnectionTheServerClosesIsReplacedAndTheMessageIsSentOnce() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("limited")
        var server = Self.plainServer(smtp)
        server["from_address"] = "oneperconnection@example.org"
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "smtp": server])
        for _ in 0..<3 {
            let outcomes = try channel.deliver([], context: Self.context(), to: [recipient])
            #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes.map { String(describing: $0.error) })")
        }
        let mails = try Self.waitForCount(smtp, of: recipient, count: 3)
        #expect(mails.count == 3, "each message once")
        #expect(Set(mails.map(\.connection)).count == 3, "the server allows one message a connection: each went on a new one")
    }

    // MARK: Size limit

    @Test func oversizeFilesAreZippedWhenTheZipFits() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("zip")
        let big = try Self.artifact(Array(String(repeating: "2026-12-01,north,12345.67\r\n", count: 60_000).utf8), format: "csv")
        let small = try Self.artifact(Array("{\"a\":1}".utf8), format: "json")
        var context = Self.context()
        context.fileNames = ["csv": "sales.csv", "json": "sales.json"]
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "max_message_mb": 1, "oversize": "zip", "smtp": Self.plainServer(smtp)])
        _ = try channel.deliver([big, small], context: context)
        let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(recipient) })
        #expect(parsed.attachments.map(\.content_type) == ["application/zip"])
        #expect(parsed.attachments.first?.filename == "sales.zip")
        let entries = try #require(parsed.attachments.first?.zip_entries)
        #expect(entries.map(\.name) == ["sales.csv", "sales.json"])
        #expect(entries.map(\.sha256) == [try Self.sha256(big), try Self.sha256(small)])
        #expect(parsed.textPart?.text?.contains("were too large to attach one by one") == true)
    }

    @Test func oversizeFilesBecomeLinksWhenConfiguredOrWhenEvenTheZipIsTooLarge() throws {
        let smtp = try DeliveryServers.smtp()
        let (configured, fallback) = (Self.address("links"), Self.address("nozip"))
        let noise = try Self.artifact(SecureRandom.bytes(900_000), format: "xlsx")
        var context = Self.context()
        context.links = ["xlsx": "https://herald.example.org/downloads/abc?expires=1796000000&sig=ff"]
        let links = try Self.channel(smtp, settings: ["to": [configured], "max_message_mb": 1, "oversize": "links", "smtp": Self.plainServer(smtp)])
        _ = try links.deliver([noise], context: context)
        let zipFirst = try Self.channel(smtp, settings: ["to": [fallback], "max_message_mb": 1, "oversize": "zip", "smtp": Self.plainServer(smtp)])
        _ = try zipFirst.deliver([noise], context: context)

        for recipient in [configured, fallback] {
            let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(recipient) })
            #expect(parsed.attachments.isEmpty, "no file travels")
            #expect(parsed.tree.content_type == "multipart/alternative")
            let text = try #require(parsed.textPart?.text)
            #expect(text.contains("were too large to attach; download them here, until "), "\(text)")
            #expect(text.contains("https://herald.example.org/downloads/abc?expires=1796000000&sig=ff"))
            #expect(parsed.htmlPart?.text?.contains("<a href=\"https://herald.example.org/downloads/abc?expires=1796000000&amp;sig=ff\">") == true)
        }
    }

    @Test func linksThatAreNeededButMissingAreAPermanentErrorAndNothingIsSent() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("nolinks")
        let file = try Self.artifact(Array("a".utf8), format: "csv")
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "attach": "links", "smtp": Self.plainServer(smtp)])
        let error = #expect(throws: DeliveryError.self) { try channel.deliver([file], context: Self.context(), to: [recipient]) }
        #expect(error?.permanent == true)
        #expect(error?.description.contains("no link") == true, "\(String(describing: error))")
        try Self.expectNothingArrived(smtp, for: [recipient])
    }

    // MARK: STARTTLS, login, test connection, the admin's server

    @Test func startTLSWithLoginDeliversAndAWrongPasswordIsAnAuthFailure() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("tls")
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "smtp": Self.startTLSServer(smtp)], password: smtp.password)
        _ = try channel.deliver([], context: Self.context())
        let mail = try smtp.waitForMessage { $0.recipients.contains(recipient) }
        #expect(mail.server == "starttls")

        let wrong = Self.address("wrongpw")
        let refused = try Self.channel(smtp, settings: ["to": [wrong], "smtp": Self.startTLSServer(smtp)], password: "not-" + smtp.password)
        let outcomes = try refused.deliver([], context: Self.context(), to: [wrong])
        let error = try #require(outcomes.first?.error)
        #expect(error.category == "auth", "\(error)")
        #expect(error.description.hasPrefix("auth: "), "\(error)")
        #expect(error.permanent)
        #expect(!error.description.contains(smtp.password))
        try Self.expectNothingArrived(smtp, for: [wrong])
    }

    @Test func implicitTLSDeliversAndAnUntrustedCertificateIsATLSFailure() throws {
        let smtp = try DeliveryServers.smtp()
        let (recipient, untrusted) = (Self.address("smtps"), Self.address("untrusted"))
        let server: [String: Any] = ["host": smtp.host, "port": smtp.smtpsPort, "security": "tls", "from_address": "reports@example.org"]
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "smtp": server])
        #expect(try channel.testConnection().contains("over TLS"))
        _ = try channel.deliver([], context: Self.context())
        #expect(try smtp.waitForMessage { $0.recipients.contains(recipient) }.server == "smtps")

        // Without the test CA the self-signed certificate is not trusted.
        let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), outbound: try OutboundPolicy(allowList: "127.0.0.1"))
        let strict = try DeliveryChannels.make(kind: "email", settingsJSON: Self.json(["to": [untrusted], "smtp": server]), environment: environment)
        let error = #expect(throws: DeliveryError.self) { try strict.testConnection() }
        #expect(error?.category == "tls", "\(String(describing: error))")
        #expect(error?.description.hasPrefix("tls: ") == true)
        let outcome = try #require(try (strict as! any PerRecipientChannel).deliver([], context: Self.context(), to: [untrusted]).first)
        #expect(outcome.error?.category == "tls")
        try Self.expectNothingArrived(smtp, for: [untrusted])
    }

    @Test func testConnectionChecksTheLoginWithoutSendingAndNamesTheFailingStep() throws {
        let smtp = try DeliveryServers.smtp()
        let good = try Self.channel(smtp, settings: ["to": [Self.address("probe")], "smtp": Self.startTLSServer(smtp)], password: smtp.password)
        let answer = try good.testConnection()
        #expect(answer.contains("127.0.0.1:\(smtp.startTLSPort) with STARTTLS, logged in as herald"), "\(answer)")

        let bad = try Self.channel(smtp, settings: ["to": [Self.address("probe")], "smtp": Self.startTLSServer(smtp)], password: "wrong")
        let error = #expect(throws: DeliveryError.self) { try bad.testConnection() }
        #expect(error?.category == "auth", "\(String(describing: error))")
        #expect(error?.description.hasPrefix("auth: ") == true)

        var closed = Self.startTLSServer(smtp)
        closed["port"] = try Self.closedPort()
        let nobody = try Self.channel(smtp, settings: ["to": [Self.address("probe")], "smtp": closed], password: smtp.password)
        let refused = #expect(throws: DeliveryError.self) { try nobody.testConnection() }
        #expect(refused?.category == "connect", "\(String(describing: refused))")
        #expect(refused?.description.hasPrefix("connect: ") == true)

        let plain = try Self.channel(smtp, settings: ["to": [Self.address("probe")], "smtp": Self.plainServer(smtp)])
        #expect(try plain.testConnection().contains("without TLS"))
        #expect(try smtp.messages().allSatisfy { !$0.recipients.contains { $0.hasPrefix("probe-") } })
    }

    @Test func theAdminsServerIsUsedWhenTheDestinationHasNoneAndIsNotBehindTheGuard() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("system")
        let system = HeraldCore.SMTPServer(host: "127.0.0.1", port: smtp.startTLSPort, security: .starttls, username: "herald",
                                           fromAddress: "admin@example.org", fromName: "Herald Admin")
        // Loopback is not allow-listed: only a destination's own server is checked.
        let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), systemSMTP: (system, smtp.password), trustedCertificates: smtp.caPath)
        let channel = try DeliveryChannels.make(kind: "email", settingsJSON: Self.json(["to": [recipient]]), environment: environment)
        _ = try channel.deliver([], context: Self.context())
        let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(recipient) })
        #expect(parsed.value("From") == "Herald Admin <admin@example.org>")

        let sent = try EmailChannel.sendTestMessage(to: Self.address("admintest"), server: system, password: smtp.password, environment: environment)
        #expect(sent.hasPrefix("sent <test."))

        let none = try DeliveryChannels.make(kind: "email", settingsJSON: Self.json(["to": [recipient]]),
                                             environment: ChannelEnvironment(deliveryRoot: NSTemporaryDirectory()))
        let error = #expect(throws: DeliveryError.self) { try none.deliver([], context: Self.context()) }
        #expect(error?.description == "no SMTP server is set up: an admin sets one on /admin/email")
        #expect(error?.permanent == true)
    }

    @Test func aTestMessageFromTheAdminPageArrives() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("adminpage")
        let server = HeraldCore.SMTPServer(host: "127.0.0.1", port: smtp.port, security: .plain, username: nil, fromAddress: "admin@example.org", fromName: nil)
        let detail = try EmailChannel.sendTestMessage(to: recipient, server: server, password: nil, environment: ChannelEnvironment(deliveryRoot: NSTemporaryDirectory()))
        let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(recipient) })
        #expect(detail.contains(try #require(parsed.value("Message-ID"))))
        #expect(parsed.value("Subject") == "Herald test email")
        #expect(parsed.textPart?.text?.contains("Herald can send email from admin@example.org") == true)
    }

    @Test func aDestinationsOwnLoopbackServerIsRefusedUnlessAllowListed() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("guarded")
        let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), trustedCertificates: smtp.caPath)
        let channel = try DeliveryChannels.make(kind: "email", settingsJSON: Self.json(["to": [recipient], "smtp": Self.plainServer(smtp)]),
                                                environment: environment) as! any PerRecipientChannel
        let outcomes = try channel.deliver([], context: Self.context(), to: [recipient])
        let error = try #require(outcomes.first?.error)
        #expect(error.category == "blocked", "\(error)")
        #expect(error.permanent)
        #expect(throws: DeliveryError.self) { try channel.testConnection() }
        try Self.expectNothingArrived(smtp, for: [recipient])
    }

    // MARK: Header injection and non-ASCII

    @Test func lineBreaksInASubjectOrAFromNameAreRefusedAtSendTimeAndNothingArrives() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("inject")
        // Saved settings are refused when made (HeraldCore's validation) …
        for subject in ["Hi\r\nBcc: x@example.org", "Hi\u{2028}there"] {
            #expect(throws: DeliveryError.self) {
                _ = try Self.channel(smtp, settings: ["to": [recipient], "subject": subject, "smtp": Self.plainServer(smtp)])
            }
        }
        // … and what only send time knows (a report's name in the subject, the admin's from name) is checked then.
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "subject": "{report_name} for {date}", "smtp": Self.plainServer(smtp)])
        for name in ["Sales\r\nBcc: x@example.org", "Sales\u{2028}Bcc: x@example.org", "Sales\u{85}x"] {
            let error = #expect(throws: DeliveryError.self) { try channel.deliver([], context: Self.context(report: name), to: [recipient]) }
            #expect(error?.permanent == true)
            #expect(error?.description.contains("subject") == true, "\(String(describing: error))")
        }
        for fromName in ["Herald\r\nBcc: x@example.org", "Herald\u{2028}Ops"] {
            let system = HeraldCore.SMTPServer(host: "127.0.0.1", port: smtp.port, security: .plain, username: nil, fromAddress: "admin@example.org", fromName: fromName)
            let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), systemSMTP: (system, nil))
            let viaSystem = try DeliveryChannels.make(kind: "email", settingsJSON: Self.json(["to": [recipient]]), environment: environment)
            let error = #expect(throws: DeliveryError.self) { try viaSystem.deliver([], context: Self.context()) }
            #expect(error?.description.contains("from name") == true, "\(String(describing: error))")
            #expect(throws: DeliveryError.self) {
                try EmailChannel.sendTestMessage(to: recipient, server: system, password: nil, environment: environment)
            }
        }
        try Self.expectNothingArrived(smtp, for: [recipient, "x@example.org"])
    }

    @Test func nonASCIISubjectFromNameAndFileNameRoundTripThroughPythonsDecoder() throws {
        let smtp = try DeliveryServers.smtp()
        let recipient = Self.address("utf8")
        var server = Self.plainServer(smtp)
        server["from_name"] = "Zoë Ørsted, Berichte"
        let subject = "Umsätze für {date} — 日本語のレポート, émoji 📈, and a long tail of plain words to make it fold twice over"
        let channel = try Self.channel(smtp, settings: ["to": [recipient], "subject": subject, "smtp": server])
        var context = Self.context(report: "Ventes")
        let name = "Übersicht_日本_" + String(repeating: "é", count: 40) + ".csv"
        context.fileNames = ["csv": name]
        let csv = try Self.artifact(Array("ü\r\n".utf8), format: "csv")
        _ = try channel.deliver([csv], context: context)
        let parsed = try ParsedEmail.parse(try smtp.waitForMessage { $0.recipients.contains(recipient) })
        #expect(parsed.value("Subject") == "Umsätze für 2026-12-01 — 日本語のレポート, émoji 📈, and a long tail of plain words to make it fold twice over")
        #expect(parsed.value("From") == "\"Zoë Ørsted, Berichte\" <reports@example.org>", "Python quotes a name with a comma when it shows it")
        #expect(parsed.attachments.first?.filename == name)
        #expect(parsed.attachments.first?.sha256 == (try Self.sha256(csv)))
        // Every header line is within 78 characters but the one curl writes with its 64-character boundary.
        #expect(parsed.long_header_lines.allSatisfy { $0.hasPrefix("Content-Type: multipart/mixed; boundary=") && $0.count < 100 },
                "\(parsed.long_header_lines)")
        #expect(parsed.defects.isEmpty && parsed.tree.allDefects.isEmpty)
        #expect(mailIsASCII(try smtp.waitForMessage { $0.recipients.contains(recipient) }))
    }

    private func mailIsASCII(_ mail: ReceivedMail) -> Bool { mail.raw.allSatisfy { $0 < 0x80 } }

    // MARK: Helpers

    static func address(_ tag: String) -> String { "\(tag)-\(UUID().uuidString.prefix(8).lowercased())@example.org" }

    static func context(report: String = "Sales") -> DeliveryContext {
        DeliveryContext(reportName: report, scheduleName: "Daily", localDateTime: "2026-12-01 07:00:00", executionID: UUID())
    }

    static func plainServer(_ smtp: TestSupport.SMTPServer) -> [String: Any] {
        ["host": smtp.host, "port": smtp.port, "security": "plain", "from_address": "reports@example.org", "from_name": "Herald Reports"]
    }

    static func startTLSServer(_ smtp: TestSupport.SMTPServer) -> [String: Any] {
        ["host": smtp.host, "port": smtp.startTLSPort, "security": "starttls", "username": smtp.user, "from_address": "reports@example.org"]
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    /// An email destination's channel, loopback allow-listed and the test CA trusted.
    static func channel(_ smtp: TestSupport.SMTPServer, settings: [String: Any], password: String? = nil, maxRecipients: Int = 50) throws -> any PerRecipientChannel {
        let environment = ChannelEnvironment(deliveryRoot: NSTemporaryDirectory(), outbound: try OutboundPolicy(allowList: "127.0.0.1"),
                                             maxRecipients: maxRecipients, trustedCertificates: smtp.caPath)
        let secrets = password.map { ["smtp_password": $0] } ?? [:]
        return try #require(try DeliveryChannels.make(kind: "email", settingsJSON: json(settings), secretsJSON: json(secrets), environment: environment)
            as? any PerRecipientChannel)
    }

    static func artifact(_ bytes: [UInt8], format: String) throws -> RenderedFile {
        let path = NSTemporaryDirectory() + "herald-artifact-\(UUID().uuidString).\(format)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return RenderedFile(path: path, format: format)
    }

    static func sha256(_ file: RenderedFile) throws -> String { Hex.encode(try Digest.sha256(contentsOf: file.path)) }

    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitUntil<T>(_ what: String, timeout: Double = 10, _ attempt: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let value = try attempt() { return value }
            guard Date() < deadline else { throw ParseFailure(message: "timed out waiting for \(what)") }
            usleep(50_000)
        }
    }

    static func waitForCount(_ smtp: TestSupport.SMTPServer, of recipient: String, count: Int) throws -> [ReceivedMail] {
        try waitUntil("\(count) messages to \(recipient)") {
            let found = try smtp.messages().filter { $0.recipients.contains(recipient) }
            return found.count >= count ? found : nil
        }
    }

    /// Sends a marker message through the plain server after the refused sends and waits for it: messages are stored
    /// in arrival order, so anything the refused sends had sent would be there by then.
    static func expectNothingArrived(_ smtp: TestSupport.SMTPServer, for recipients: [String]) throws {
        let marker = address("marker")
        let channel = try channel(smtp, settings: ["to": [marker], "smtp": plainServer(smtp)])
        _ = try channel.deliver([], context: context())
        _ = try smtp.waitForMessage { $0.recipients.contains(marker) }
        let all = try smtp.messages()
        for recipient in recipients {
            #expect(!all.contains { $0.recipients.contains(recipient) || $0.text.contains(recipient) }, "\(recipient) got a message")
        }
    }
}
