import HeraldCore
import Testing

/// The SSRF guard's address rules: every special-use range refused, public addresses allowed, the allow-list the
/// only way past it.
struct OutboundPolicyTests {
    @Test func specialUseAddressesAreRefused() throws {
        for text in ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "169.254.1.1", "100.64.0.1",
                     "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                     "64:ff9b::a00:1", "2002:7f00:1::", "fc00::1", "fd00:ec2::254", "fe80::1", "ff02::1", "2001:db8::1"] {
            let address = try #require(IPAddressText.parse(text), "\(text)")
            #expect(OutboundPolicy.none.refusal(for: address) != nil, "\(text) should be refused")
        }
        #expect(OutboundPolicy.none.refusal(for: [169, 254, 169, 254])?.contains("metadata") == true)
    }

    @Test func publicAddressesAreAllowed() throws {
        for text in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            #expect(OutboundPolicy.none.refusal(for: try #require(IPAddressText.parse(text))) == nil, "\(text)")
        }
    }

    @Test func theAllowListAdmitsNetworksAndHostsOnly() throws {
        let policy = try OutboundPolicy(allowList: "127.0.0.0/8, ::1, smtp.internal")
        #expect(policy.refusal(for: [127, 0, 0, 1]) == nil)
        #expect(policy.refusal(for: try #require(IPAddressText.parse("::1"))) == nil)
        #expect(policy.refusal(for: [10, 0, 0, 1]) != nil)
        #expect(policy.allows(host: "SMTP.internal"))
        #expect(!policy.allows(host: "other.internal"))
        #expect(throws: ValidationError.self) { try OutboundPolicy(allowList: "10.0.0.0/99") }
        #expect(throws: ValidationError.self) { try OutboundPolicy(allowList: "bad host!") }
    }

    @Test func addressTextIsStrict() {
        #expect(IPAddressText.parse("127.1") == nil, "odd IPv4 forms are the resolver's, not the allow-list's")
        #expect(IPAddressText.parse("0x7f000001") == nil)
        #expect(IPAddressText.parse("1.2.3.256") == nil)
        #expect(IPAddressText.parse("::ffff:127.0.0.1") == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1])
        #expect(IPAddressText.format([10, 1, 2, 3]) == "10.1.2.3")
    }
}

/// Remote paths and object keys: the template's slashes make folders, a value's never do, nothing climbs out.
struct RemotePathPatternTests {
    @Test func dateFormatsWithSlashesMakeFolders() throws {
        let pattern = try RemotePathPattern("{report_name}/{date:yyyy/MM}/{report_name}_{date}.{format}")
        #expect(pattern.segments(reportName: "Sales", scheduleName: "", localDateTime: "2026-11-23 07:00:00", format: "csv", executionID: "e")
                == ["Sales", "2026", "11", "Sales_2026-11-23.csv"])
    }

    @Test func valuesCannotClimbOut() throws {
        let pattern = try RemotePathPattern("{report_name}/{schedule_name}.{format}")
        let segments = pattern.segments(reportName: "../..", scheduleName: "a/../../b\\c", localDateTime: "2026-11-23 07:00", format: "csv", executionID: "e")
        #expect(!segments.contains(".."))
        #expect(segments.allSatisfy { !$0.contains("/") && !$0.contains("\\") && !$0.hasPrefix(".") })
    }

    @Test func badTemplatesAreRefused() {
        for bad in ["../x.csv", "a/../b", "/abs/{date}.csv", "a//b", "%2e%2e%2fx", "a\\b", "a/\u{0}b", "./x", "{nope}"] {
            #expect(throws: ValidationError.self, "\(bad.debugDescription)") { try RemotePathPattern(bad) }
        }
    }
}

/// Destination settings are checked per kind with errors named by field; line breaks never reach a header.
struct DestinationDefinitionTests {
    @Test func emailRefusesHeaderInjectionAndBadAddresses() {
        let errors = DestinationDefinitions.validate(kind: .email, settingsJSON: #"{"to":["a@example.org","x@y\r\nBcc: z@w"],"subject":"Hi\u2028there"}"#, secretsJSON: "{}")
        #expect(errors.contains { $0.field == "settings.to" })
        #expect(errors.contains { $0.field == "settings.subject" })
        #expect(DestinationDefinitions.validate(kind: .email, settingsJSON: #"{"to":["a@example.org"]}"#, secretsJSON: "{}").isEmpty)
    }

    @Test func missingFieldsAndSecretsAreNamed() {
        #expect(DestinationDefinitions.validate(kind: .sftp, settingsJSON: #"{"host":"h.example"}"#, secretsJSON: "{}").map(\.field) == ["settings.username"])
        let sftp = DestinationDefinitions.validate(kind: .sftp, settingsJSON: #"{"host":"h.example","username":"u"}"#, secretsJSON: "{}")
        #expect(sftp.map(\.field) == ["secrets.password"])
        let s3 = DestinationDefinitions.validate(kind: .s3, settingsJSON: #"{"bucket":"B!","endpoint":"file:///etc"}"#, secretsJSON: "{}")
        #expect(Set(s3.map(\.field)) == ["settings.bucket", "settings.endpoint", "secrets.access_key_id", "secrets.secret_access_key"])
        let hook = DestinationDefinitions.validate(kind: .webhook, settingsJSON: #"{"url":"gopher://x/"}"#, secretsJSON: "{}")
        #expect(hook.map(\.field) == ["settings.url"])
    }

    @Test func secretFieldsAreListedPerKind() {
        #expect(DestinationDefinitions.secretFields(.sftp) == ["password", "private_key", "passphrase"])
        #expect(DestinationDefinitions.secretFields(.folder).isEmpty)
    }
}
