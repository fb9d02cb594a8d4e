import Foundation
import Testing
@testable import HeraldWeb

/// The OpenAPI document stays true to the router: every `/api/` route is in it with its method.
struct OpenAPIDocumentTests {
    @Test func everyAPIRouteIsDocumented() async throws {
        let templates = try Templates.load(directory: WebHarness.templatesDirectory)
        let app = WebApplication(templates: templates, settings: WebSettings(secretKey: Array(repeating: 3, count: 32)),
                                 logger: .init(label: "test"), routes: WebRoutes.register)
        let router = app.makeRouter(checks: [])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.json())) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        let apiRoutes = router.routes.filter { $0.pattern.hasPrefix("/api/") }
        #expect(!apiRoutes.isEmpty)
        for route in apiRoutes {
            let documented = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            let path = "/" + documented.joined(separator: "/")
            let operations = paths[path] as? [String: Any]
            #expect(operations?[route.method.lowercased()] != nil, "\(route.method) \(route.pattern) is not in the OpenAPI document")
        }
    }
}
