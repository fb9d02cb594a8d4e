import Curl

/// Turns a failed SFTP/FTP transfer into the `DeliveryError` the history shows. A failure of the connection itself
/// is named by what failed (`dns`, `connect`, `tls`, `auth`) whatever the transfer was for; any other by the step
/// (`upload`, `rename`, `exists`, `path`, `permission`). curl's messages for these protocols name paths and hosts,
/// never the password (it is set apart from the URL) or the key (it is a file).
enum RemoteFileFailure {
    static func error(_ error: CurlError, step: String) -> DeliveryError {
        switch error.category {
        case .dns, .connect, .tls, .auth:
            return DeliveryError(error.description, permanent: !error.isTransient, category: error.category.rawValue)
        default:
            return DeliveryError(step: step, error)
        }
    }

    /// An option that could not be set: this libcurl lacks something, no retry helps.
    static func setup(_ error: CurlError) -> DeliveryError {
        DeliveryError(step: "setup", error)
    }
}
