/// The media type a rendered file is sent with (a multipart part, an object's `Content-Type`).
enum FileContentType {
    static func of(format: String) -> String {
        switch format.lowercased() {
        case "csv": "text/csv; charset=utf-8"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "pdf": "application/pdf"
        case "html": "text/html; charset=utf-8"
        case "json": "application/json"
        case "zip": "application/zip"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
