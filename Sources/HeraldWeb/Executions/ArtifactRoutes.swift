import Foundation
import HeraldCore
import HeraldStore

/// Downloads in two steps: `/artifacts/:id/download` (signed in: checks the user may see the file and audit-logs the
/// download) redirects to a signed, expiring `/downloads/:id` link; that one checks only the signature and the expiry
/// and hands the file to nginx (`X-Accel-Redirect` to its `internal` location `/_artifacts/`), so herald web never
/// streams file bytes itself.
enum ArtifactRoutes {
    static func register(_ router: inout Router, templates: Templates) {
        router.get("/artifacts/:id/download", .signedIn(.viewer)) { context in
            let id = try context.id("id", "artifact")
            _ = try ExecutionHistoryService(connection: try context.store()).authorizeDownload(artifactID: id, actor: context.actor)
            return .redirect(to: ArtifactLink.issue(for: id, key: context.settings.secretKey).path)
        }
        router.get("/downloads/:id", .anyone) { context in
            let refused = HTTPError(.forbidden, "This download link is not valid or has expired. Open the run's page and download the file again.")
            guard let text = context.request.parameters["id"], let id = UUID(uuidString: text) else { throw refused }
            guard ArtifactLink.verify(id: id, expires: context.request.queryValue("expires"), signature: context.request.queryValue("sig"),
                                      key: context.settings.secretKey) else { throw refused }
            guard let stored = try ExecutionHistoryService(connection: try context.store()).storedArtifact(id: id),
                  let internalPath = accelPath(stored.storagePath) else { throw NotFound("artifact") }
            return HTTPResponse(status: .ok, headers: [
                ("X-Accel-Redirect", internalPath),
                ("Content-Type", contentType(stored.artifact.format)),
                ("Content-Disposition", contentDisposition(stored.artifact.fileName)),
                ("Cache-Control", "private, no-store"),
            ])
        }
    }

    /// `artifacts/2026/12/02/x.csv` (relative to the data directory) → `/_artifacts/2026/12/02/x.csv`, nginx's
    /// alias of `<data>/artifacts/`. Nil for anything outside it or with characters a file Herald wrote never has.
    static func accelPath(_ storagePath: String) -> String? {
        let prefix = "artifacts/"
        guard storagePath.hasPrefix(prefix) else { return nil }
        let relative = storagePath.dropFirst(prefix.count)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")
        guard !relative.isEmpty, relative.allSatisfy(allowed.contains),
              !relative.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else { return nil }
        return "/_artifacts/" + relative
    }

    static func contentType(_ format: String) -> String {
        switch format {
        case "csv": "text/csv; charset=utf-8"
        case "json": "application/json"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "pdf": "application/pdf"
        default: "application/octet-stream"
        }
    }

    static let asciiToken = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

    /// `attachment` with an ASCII `filename` (anything else becomes `_`) and the exact name in `filename*` (RFC 6266).
    static func contentDisposition(_ fileName: String) -> String {
        let safe = String(fileName.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return scalar.isASCII && (c.isLetter || c.isNumber || "._- ()".contains(c)) ? c : "_"
        })
        let trimmed = safe.trimmingCharacters(in: CharacterSet(charactersIn: ". ")).isEmpty ? "download" : safe
        let exact = fileName.addingPercentEncoding(withAllowedCharacters: asciiToken) ?? trimmed
        return "attachment; filename=\"\(trimmed)\"; filename*=UTF-8''\(exact)"
    }
}
