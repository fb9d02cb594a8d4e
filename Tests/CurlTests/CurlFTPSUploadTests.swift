import Curl
import Foundation
import TestSupport
import Testing

/// FTPS uploads with TLS held at 1.2 arrive whole (this libcurl can lose an upload's end over TLS 1.3), and the
/// server's `SIZE` of the stored file is read back.
struct CurlFTPSUploadTests {
    @Test func uploadsOverTLS12ArriveWholeAndTheirSizeIsReadBack() throws {
        let server = try DeliveryServers.ftp()
        let folder = "curl-ftps-\(UUID().uuidString.prefix(8))"
        let bytes = (0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let easy = try CurlEasy()
        for index in 0..<6 {
            try easy.reset()
            try easy.protocols("ftps")
            try easy.login(user: server.user, password: server.password)
            try easy.certificateAuthority(path: server.caPath)
            try easy.limitTLSToVersion12()
            try easy.url("ftps://\(server.host):\(server.implicitTLSPort)/\(folder)/\(index).bin")
            try easy.createMissingDirectories()
            try easy.upload(bytes: bytes)
            try easy.perform()

            try easy.reset()
            try easy.protocols("ftps")
            try easy.login(user: server.user, password: server.password)
            try easy.certificateAuthority(path: server.caPath)
            try easy.url("ftps://\(server.host):\(server.implicitTLSPort)/\(folder)/\(index).bin")
            try easy.noBody()
            try easy.perform()
            #expect(easy.contentLength == 600_000)
            #expect(FileManager.default.contents(atPath: "\(server.root)/\(folder)/\(index).bin") == Data(bytes))
        }
    }
}
