import Crypto
import Foundation

/// A destination's private key written where libssh2 can read it (it takes a path, not bytes): a 0600 file in a
/// fresh 0700 folder under the temporary directory, removed again as soon as the transfers are done (`remove`, or
/// when this is released). The key's text never appears in an error.
final class SSHPrivateKeyFile {
    let path: String
    /// An RSA key: libssh2 1.10 signs with `ssh-rsa` (SHA-1), which OpenSSH 8.8 and later refuse by default.
    let isRSA: Bool
    private let folder: String
    private var removed = false

    init(key: String) throws {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("herald-ssh-key.XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw DeliveryError("key: cannot make a private folder for the SSH key: \(String(cString: strerror(errno)))", category: "local")
        }
        isRSA = Self.isRSA(key)
        folder = String(cString: made)
        path = folder + "/key"
        // A key pasted into a form may have CRLF line ends or lack the final newline; libssh2 wants neither.
        var text = key.replacingOccurrences(of: "\r\n", with: "\n")
        if !text.hasSuffix("\n") { text += "\n" }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            rmdir(folder)
            throw DeliveryError("key: cannot write the SSH key to a private file: \(String(cString: strerror(errno)))", category: "local")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            unlink(path)
            rmdir(folder)
            throw DeliveryError("key: cannot write the SSH key to a private file", category: "local")
        }
    }

    deinit { remove() }

    /// A PEM `RSA PRIVATE KEY`, or an OpenSSH key whose (unencrypted) public part names `ssh-rsa`.
    static func isRSA(_ key: String) -> Bool {
        if key.contains("BEGIN RSA PRIVATE KEY") { return true }
        let body = key.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let bytes = Base64.decode(body) else { return false }
        let name = Array("ssh-rsa".utf8)
        return bytes.count >= name.count && (0...(bytes.count - name.count)).contains { Array(bytes[$0..<($0 + name.count)]) == name }
    }

    func remove() {
        guard !removed else { return }
        removed = true
        unlink(path)
        rmdir(folder)
    }
}
