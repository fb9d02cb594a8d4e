import Foundation

/// `redis://[[user]:password@]host[:port][/db]`.
struct RedisURL: Equatable {
    var host: String
    var port: Int
    var password: String?
    var user: String?
    var database: Int

    init(_ text: String) throws(RedisError) {
        guard let components = URLComponents(string: text), components.scheme == "redis",
              let host = components.host, !host.isEmpty else {
            throw RedisError(kind: .invalidURL, message: "expected redis://host[:port][/db]")
        }
        self.host = host
        port = components.port ?? 6379
        user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if path.isEmpty {
            database = 0
        } else if let db = Int(path), db >= 0 {
            database = db
        } else {
            throw RedisError(kind: .invalidURL, message: "the database in the URL path must be a number")
        }
    }
}
