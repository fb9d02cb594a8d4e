import Foundation

/// A private folder for a delivery's zip, removed when the delivery ends.
final class ScratchFolder {
    private var made: String?

    func path() throws(DeliveryError) -> String {
        if let made { return made }
        let path = NSTemporaryDirectory() + "herald-email-" + UUID().uuidString
        guard mkdir(path, 0o700) == 0 else {
            throw DeliveryError("files: cannot make a scratch folder: \(String(cString: strerror(errno)))", category: "local")
        }
        made = path
        return path
    }

    func remove() {
        if let made { try? FileManager.default.removeItem(atPath: made) }
    }
}
