import Foundation
import Mustache

/// The Mustache templates under `templates/`, loaded once at start-up. swift-mustache silently yields an empty
/// library for a missing folder and renders unknown keys as empty, so loading checks the folder and the templates
/// every page needs, and each page has a typed view model.
public struct Templates: Sendable {
    public static let required = ["layouts/page-head", "layouts/page-foot", "pages/error"]

    let library: MustacheLibrary

    public static func load(directory: String) async throws -> Templates {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError("the templates folder \(directory) does not exist (set HERALD_TEMPLATES_DIR)")
        }
        let library: MustacheLibrary
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch {
            throw TemplateError("a template in \(directory) does not parse: \(error)")
        }
        for name in required where library.getTemplate(named: name) == nil {
            throw TemplateError("the template \(name).mustache is missing from \(directory)")
        }
        return Templates(library: library)
    }

    /// For a process's main thread before it starts serving. It blocks its thread until the async loader is done,
    /// so it must never run on Swift's cooperative pool (it could wait for a pool thread it occupies).
    public static func loadBlocking(directory: String) throws -> Templates {
        let box = LoadResult()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { box.result = .success(try await load(directory: directory)) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// The view model is handed to swift-mustache as dictionaries (`TemplateContext`), never reflected.
    public func render(_ view: some Encodable & Sendable, template: String) throws -> String {
        guard let html = library.render(try TemplateContext.make(view), withTemplate: template) else {
            throw TemplateError("there is no template named \(template)")
        }
        return html
    }

    private final class LoadResult: @unchecked Sendable {
        var result: Result<Templates, any Error>?
    }
}

public struct TemplateError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `pages/error`: 404, 405, 500 and friends.
public struct ErrorPageView: Sendable, Encodable {
    public let chrome: PageChrome
    public let status: Int
    public let heading: String
    public let message: String
}
