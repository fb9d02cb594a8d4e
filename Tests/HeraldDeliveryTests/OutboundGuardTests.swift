import Curl
import Foundation
import HeraldCore
import HeraldDelivery
import TestSupport
import Testing

/// The SSRF guard against the system resolver: every spelling of loopback and a name that resolves to a private
/// address are refused before curl runs; an allow-listed address gets through.
struct OutboundGuardTests {
    @Test func loopbackInEveryFormAndAPrivateNameAreRefused() throws {
        let guardian = OutboundGuard(policy: .none)
        let privateName = try TestEnvironment.require("HERALD_TEST_PRIVATE_NAME")
        for host in ["127.0.0.1", "127.1", "0x7f000001", "2130706433", "::1", "[::1]", "::ffff:127.0.0.1", "169.254.169.254", "localhost", privateName] {
            let easy = try CurlEasy()
            let error = #expect(throws: DeliveryError.self, "\(host)") { try guardian.admit(host: host, port: 80, on: easy) }
            #expect(error?.category == "blocked", "\(host): \(String(describing: error))")
            #expect(error?.permanent == true)
        }
    }

    @Test func anAllowListedAddressConnectsAndOthersAreFilteredAtConnectTime() throws {
        let receiver = try TestEnvironment.require("HERALD_TEST_HTTP_RECEIVER")
        let port = Int(receiver.split(separator: ":").last!)!
        let allowed = OutboundGuard(policy: try OutboundPolicy(allowList: "127.0.0.1"))
        let easy = try CurlEasy()
        try easy.protocols("http")
        try allowed.admit(host: "127.0.0.1", port: port, on: easy)
        try easy.url("http://127.0.0.1:\(port)/guard-test-\(UUID().uuidString)")
        try easy.perform()
        #expect(easy.responseCode == 200)

        // Admitted for one address, the handle refuses a connection to another (a redirect, a re-resolution).
        try easy.url("http://[::1]:\(port)/")
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.category == .blocked)
    }
}
