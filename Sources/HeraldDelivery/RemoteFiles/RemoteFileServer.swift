/// One connection's worth of file operations on an SFTP or FTP server: what `RemoteFilePlacement` needs to put a
/// file in place under a temporary name, whatever the protocol's URLs and commands look like. Every failure is a
/// `DeliveryError` naming its step.
protocol RemoteFileServer {
    /// Whether a file is at `path` (false also when its folder does not exist yet).
    func exists(_ path: RemoteFilePath) throws -> Bool
    /// Uploads the file at `source` as `temporary`, creating missing folders, and renames it to `final` in the same
    /// transfer. `replace`: an existing `final` is replaced (else the rename may refuse it).
    func upload(fileAt source: String, as temporary: RemoteFilePath, renamingTo final: RemoteFilePath, replace: Bool) throws
    /// Deletes `path`, ignoring every failure: a failed upload's temporary file.
    func removeQuietly(_ path: RemoteFilePath)
    /// The folder exists and can be entered (a connection test's `path` step).
    func checkFolder(_ folder: RemoteFilePath) throws
    /// Uploads a few bytes as `temporary` (no folder created), renames it to `final` and deletes it: the folder is
    /// writable the way a delivery writes (a connection test's `permission` step).
    func probe(as temporary: RemoteFilePath, renamingTo final: RemoteFilePath) throws
}
