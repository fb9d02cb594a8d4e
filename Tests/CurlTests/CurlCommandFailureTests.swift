import Curl
import Foundation
import TestSupport
import Testing

/// A refused command after the transfer is told apart from a failed transfer (the FTP test server).
struct CurlCommandFailureTests {
    @Test func aRefusedCommandAfterTheTransferIsACommandFailure() throws {
        let server = try DeliveryServers.ftp()
        let easy = try CurlEasy()
        try easy.protocols("ftp")
        try easy.login(user: server.user, password: server.password)
        try easy.url("ftp://\(server.host):\(server.port)/")
        try easy.noBody()
        try easy.commandsAfter(["DELE no-such-file-\(UUID().uuidString)"])
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.isCommandFailure == true, "\(String(describing: error))")
    }

    @Test func aRefusedLoginIsNotACommandFailure() throws {
        let server = try DeliveryServers.ftp()
        let easy = try CurlEasy()
        try easy.protocols("ftp")
        try easy.login(user: server.user, password: "wrong-\(UUID().uuidString)")
        try easy.url("ftp://\(server.host):\(server.port)/")
        try easy.noBody()
        let error = #expect(throws: CurlError.self) { try easy.perform() }
        #expect(error?.isCommandFailure == false)
        #expect(error?.category == .auth)
    }
}
