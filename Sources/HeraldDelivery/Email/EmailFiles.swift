import Foundation
import HeraldCore
import HeraldRender

/// How a run's files travel in one email: attached (or inline), zipped into one attachment because they were too
/// large, or replaced by the run's signed download links. Decided once per delivery, against the message size limit
/// counted as base64 (4/3 of the bytes, plus a line break every 76 characters). Never drops a file: when links are
/// needed and the run has none for a file, the delivery fails and says so.
enum EmailFiles {
    struct File {
        let path: String
        let name: String
        let format: String
        let size: Int64
    }

    struct Link {
        let name: String
        let format: String
        let url: String
    }

    case none
    case attached([File], inline: Bool)
    /// The files were over the limit; `zip` holds them all and fits. `total` is their size before zipping.
    case zipped(File, originals: [File], total: Int64)
    /// Links instead of files: `oversize` is the files' total size when that was the reason, nil when configured.
    case links([Link], oversize: Int64?)

    /// The plan for `files`. A zip it makes is written in `scratch` (the caller removes the folder).
    static func plan(_ files: [RenderedFile], context: DeliveryContext, settings: EmailDestination.Settings,
                     scratch: () throws(DeliveryError) -> String) throws(DeliveryError) -> EmailFiles {
        guard !files.isEmpty else { return .none }
        let described = try describe(files, context: context)
        let limit = Int64(settings.maxMessageMb ?? 10) * 1024 * 1024
        let total = described.reduce(0) { $0 + $1.size }
        let attach = settings.attach ?? .attachments
        if attach == .links { return .links(try links(for: described, context: context), oversize: nil) }
        if encodedSize(total) <= limit { return .attached(described, inline: attach == .inline) }
        if (settings.oversize ?? .zip) == .zip {
            let zip = try zipped(described, context: context, folder: try scratch())
            if encodedSize(zip.size) <= limit { return .zipped(zip, originals: described, total: total) }
        }
        return .links(try links(for: described, context: context), oversize: total)
    }

    /// Bytes once base64-encoded in lines of 76 characters.
    static func encodedSize(_ bytes: Int64) -> Int64 {
        let base64 = (bytes + 2) / 3 * 4
        return base64 + base64 / 76 * 2 + 2
    }

    static func contentType(_ format: String) -> String {
        switch format.lowercased() {
        case "csv": return "text/csv; charset=utf-8"
        case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "pdf": return "application/pdf"
        case "html": return "text/html; charset=utf-8"
        case "json": return "application/json"
        case "zip": return "application/zip"
        default: return "application/octet-stream"
        }
    }

    /// The delivered name of each file (the run's file name pattern, else the default one) and its size.
    static func describe(_ files: [RenderedFile], context: DeliveryContext) throws(DeliveryError) -> [File] {
        var used: Set<String> = []
        var described: [File] = []
        for file in files {
            var info = stat()
            guard stat(file.path, &info) == 0 else {
                throw DeliveryError("files: cannot read the run's \(file.format) file: \(String(cString: strerror(errno)))", category: "local")
            }
            var name = context.fileNames[file.format].map { String($0.split(separator: "/").last ?? "") } ?? ""
            if name.isEmpty || name.hasPrefix(".") { name = defaultName(format: file.format, context: context) }
            if used.contains(name) { name = "\(described.count + 1)_" + name }
            used.insert(name)
            described.append(File(path: file.path, name: name, format: file.format, size: Int64(info.st_size)))
        }
        return described
    }

    static func defaultName(format: String, context: DeliveryContext) -> String {
        let pattern = try? FileNamePattern("{report_name}_{date}_{time}.{format}")
        return pattern?.fileName(reportName: context.reportName, scheduleName: context.scheduleName, localDateTime: context.localDateTime,
                                 format: format, executionID: context.executionID.uuidString.lowercased()) ?? "report.\(format)"
    }

    private static func links(for files: [File], context: DeliveryContext) throws(DeliveryError) -> [Link] {
        var links: [Link] = []
        for file in files {
            guard let url = context.links[file.format], url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw DeliveryError("files: the \(file.format) file must be sent as a download link, but the run has no link for it "
                                    + "(is HERALD_BASE_URL set?); nothing was sent", permanent: true)
            }
            links.append(Link(name: file.name, format: file.format, url: url))
        }
        return links
    }

    private static func zipped(_ files: [File], context: DeliveryContext, folder: String) throws(DeliveryError) -> File {
        var stem = files[0].name
        if let dot = stem.lastIndex(of: "."), dot > stem.startIndex { stem = String(stem[..<dot]) }
        let name = context.fileNames["zip"].map { String($0.split(separator: "/").last ?? "") }.flatMap { $0.isEmpty ? nil : $0 } ?? stem + ".zip"
        let path = folder + "/" + UUID().uuidString + ".zip"
        do {
            let archive = try ZipArchive(path: path, mode: 0o600)
            for file in files { try archive.add(fileAt: file.path, name: file.name) }
            try archive.finish()
        } catch {
            unlink(path)
            throw DeliveryError("files: cannot zip the files: \(error)", category: "local")
        }
        var info = stat()
        stat(path, &info)
        return File(path: path, name: name, format: "zip", size: Int64(info.st_size))
    }

    /// `12.4 MB`, `830 KB`, `120 bytes`.
    static func size(_ bytes: Int64) -> String {
        if bytes >= 1024 * 1024 { return String(format: "%.1f MB", Double(bytes) / 1048576) }
        if bytes >= 1024 { return "\(Int((Double(bytes) / 1024).rounded())) KB" }
        return "\(bytes) bytes"
    }
}
