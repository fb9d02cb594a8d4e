import Foundation

/// The delivery channels' test servers that `deploy/test.sh` starts on loopback (`start_delivery_servers` in
/// deploy/lib.sh, code in Tests/Servers). Each accessor requires its variables: a test fails, never skips, without them.
///
/// All tests of a run share these servers, and tests run in parallel: a test picks names of its own (a recipient, a
/// folder, a webhook path with a UUID in it) and looks only at what carries them.
public enum DeliveryServers {
    public static func smtp() throws -> SMTPServer {
        SMTPServer(port: try port("HERALD_TEST_SMTP_PORT"), startTLSPort: try port("HERALD_TEST_SMTP_STARTTLS_PORT"),
                   smtpsPort: try port("HERALD_TEST_SMTPS_PORT"),
                   password: try TestEnvironment.require("HERALD_TEST_SMTP_PASSWORD"),
                   maildir: try TestEnvironment.require("HERALD_TEST_SMTP_MAILDIR"),
                   caPath: try TestEnvironment.require("HERALD_TEST_SMTP_CA"))
    }

    public static func sftp() throws -> SFTPServer {
        SFTPServer(port: try port("HERALD_TEST_SFTP_PORT"), altPort: try port("HERALD_TEST_SFTP_ALT_PORT"),
                   user: try TestEnvironment.require("HERALD_TEST_SFTP_USER"),
                   password: try TestEnvironment.require("HERALD_TEST_SFTP_PASSWORD"),
                   privateKeyPath: try TestEnvironment.require("HERALD_TEST_SFTP_KEY"),
                   rsaPrivateKeyPath: try TestEnvironment.require("HERALD_TEST_SFTP_RSA_KEY"),
                   root: try TestEnvironment.require("HERALD_TEST_SFTP_ROOT"),
                   hostKeySHA256: try TestEnvironment.require("HERALD_TEST_SFTP_HOST_KEY_SHA256"))
    }

    public static func ftp() throws -> FTPServer {
        FTPServer(port: try port("HERALD_TEST_FTP_PORT"), explicitTLSPort: try port("HERALD_TEST_FTPS_PORT"),
                  implicitTLSPort: try port("HERALD_TEST_FTPS_IMPLICIT_PORT"),
                  user: try TestEnvironment.require("HERALD_TEST_FTP_USER"),
                  password: try TestEnvironment.require("HERALD_TEST_FTP_PASSWORD"),
                  root: try TestEnvironment.require("HERALD_TEST_FTP_ROOT"),
                  caPath: try TestEnvironment.require("HERALD_TEST_FTP_CA"))
    }

    public static func s3() throws -> S3Server {
        S3Server(endpoint: try url("HERALD_TEST_S3_ENDPOINT"),
                 accessKey: try TestEnvironment.require("HERALD_TEST_S3_ACCESS_KEY"),
                 secretKey: try TestEnvironment.require("HERALD_TEST_S3_SECRET_KEY"),
                 bucket: try TestEnvironment.require("HERALD_TEST_S3_BUCKET"),
                 region: try TestEnvironment.require("HERALD_TEST_S3_REGION"))
    }

    public static func httpReceiver() throws -> HTTPReceiver { HTTPReceiver(url: try url("HERALD_TEST_HTTP_RECEIVER")) }

    /// A host name that resolves to 10.0.0.1 (in /etc/hosts), for the SSRF guard's tests.
    public static func privateName() throws -> String { try TestEnvironment.require("HERALD_TEST_PRIVATE_NAME") }

    static func port(_ key: String) throws -> Int {
        let value = try TestEnvironment.require(key)
        guard let port = Int(value), (1...65535).contains(port) else {
            throw DeliveryServerError(message: "\(key) is not a port: \(value)")
        }
        return port
    }

    static func url(_ key: String) throws -> URL {
        let value = try TestEnvironment.require(key)
        guard let url = URL(string: value), url.host != nil else {
            throw DeliveryServerError(message: "\(key) is not a URL: \(value)")
        }
        return url
    }
}

/// Two sshd on 127.0.0.1 serving SFTP only to `user`, by password or by the key at `privateKeyPath` (ed25519, OpenSSH
/// format; `.pub` beside it). `altPort` has a different host key, so `hostKeySHA256` (base64 of the SHA-256 of
/// `port`'s host key blob, unpadded: what CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256 takes) must refuse it.
public struct SFTPServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let altPort: Int
    public let user: String
    public let password: String
    public let privateKeyPath: String
    /// Also authorized, but refused: libssh2 1.10 signs RSA with ssh-rsa (SHA-1), which sshd 9.2 refuses by default.
    public let rsaPrivateKeyPath: String
    /// An absolute path on the server (which the test process can read too), owned by `user`: uploads go under it.
    public let root: String
    public let hostKeySHA256: String

    public var publicKeyPath: String { privateKeyPath + ".pub" }
}

/// FTP on 127.0.0.1: plain on `port`, explicit FTPS (AUTH TLS, TLS required for login and data) on `explicitTLSPort`,
/// implicit FTPS (`ftps://`) on `implicitTLSPort`; one user whose home is `root`, with every write permission.
public struct FTPServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let explicitTLSPort: Int
    public let implicitTLSPort: Int
    public let user: String
    public let password: String
    /// The user's home as a local path; FTP paths are relative to it.
    public let root: String
    public let caPath: String
}

/// moto's S3 with authentication on: a request signed with another secret gets 403. `bucket` exists.
public struct S3Server: Sendable {
    public let endpoint: URL
    public let accessKey: String
    public let secretKey: String
    public let bucket: String
    public let region: String
}

public struct DeliveryServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Calls `attempt` every 50 ms until it returns a value, for at most `timeout` seconds.
func pollUntil<T>(timeout: Double, what: String, _ attempt: () throws -> T?) throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let value = try attempt() { return value }
        guard Date() < deadline else { throw DeliveryServerError(message: "timed out after \(timeout) s waiting for \(what)") }
        usleep(50_000)
    }
}
