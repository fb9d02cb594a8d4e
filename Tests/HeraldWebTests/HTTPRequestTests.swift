import FastCGI
import Foundation
import HeraldCore
import Testing
@testable import HeraldWeb

struct HTTPRequestTests {
    @Test func buildsFromNginxParams() {
        let request = HTTPRequest(fastCGI: FastCGIRequest(params: [
            "REQUEST_METHOD": "post", "REQUEST_URI": "/api/items/caf%C3%A9?x=1", "DOCUMENT_URI": "/api/items/café",
            "QUERY_STRING": "x=1&y=a+b&y=%2F", "CONTENT_TYPE": "application/json; charset=utf-8", "CONTENT_LENGTH": "2",
            "HTTP_USER_AGENT": "curl", "HTTP_X_REQUEST_ID": "abcdef0123456789", "REMOTE_ADDR": "10.0.0.9",
        ], body: Array("{}".utf8)))
        #expect(request.method == "POST")
        #expect(request.path == "/api/items/café")
        #expect(request.query == ["x": ["1"], "y": ["a b", "/"]])
        #expect(request.queryValue("y") == "a b")
        #expect(request.header("User-Agent") == "curl")
        #expect(request.contentType == "application/json")
        #expect(request.requestID == "abcdef0123456789")
        #expect(request.remoteAddress == "10.0.0.9")
    }

    @Test func fallsBackToTheRequestURIPath() {
        let request = HTTPRequest(fastCGI: FastCGIRequest(params: ["REQUEST_URI": "/a%20b?c=d"], body: []))
        #expect(request.path == "/a b")
        #expect(request.method == "GET")
    }

    @Test func replacesAnUnsafeRequestID() {
        let injected = HTTPRequest(method: "GET", path: "/", headers: ["X-Request-Id": "x\r\nSet-Cookie: a=b"])
        #expect(injected.requestID.count == 32)
        #expect(injected.requestID.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(HTTPRequest.newRequestID() != HTTPRequest.newRequestID(), "a fresh id each time")
    }

    @Test func parsesFormsWithRepeatsPlusesAndBadEscapes() throws {
        let request = HTTPRequest(method: "POST", path: "/", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                  body: Array("a=1&a=2&name=J%C3%BCrgen+M&bad=%ZZ&flag&=skipped&empty=".utf8))
        let form = try request.form()
        #expect(form["a"] == ["1", "2"])
        #expect(form["name"] == ["Jürgen M"])
        #expect(form["bad"] == ["%ZZ"])
        #expect(form["flag"] == [""])
        #expect(form["empty"] == [""])
        #expect(form[""] == nil)
    }

    @Test func refusesAFormOfAnotherType() {
        let request = HTTPRequest(method: "POST", path: "/", headers: ["Content-Type": "text/plain"], body: Array("a=1".utf8))
        #expect(throws: HTTPError.self) { try request.form() }
    }

    @Test func parsesCookies() {
        let request = HTTPRequest(method: "GET", path: "/", headers: ["Cookie": "a=1; b=\"two\"; junk; a=shadowed; c="])
        #expect(request.cookies == ["a": "1", "b": "two", "c": ""])
    }

    struct Payload: Decodable, Equatable {
        struct Window: Decodable, Equatable { let startsAt: Date; let timeZone: String }
        let name: String; let count: Int; var window: Window?; var ids: [UUID]?
    }

    @Test func decodesJSONAndExplainsBadBodies() throws {
        func request(_ body: String, type: String = "application/json") -> HTTPRequest {
            HTTPRequest(method: "POST", path: "/api/x", headers: ["Content-Type": type], body: Array(body.utf8))
        }
        #expect(try request(#"{"name":"a","count":2}"#).json(Payload.self) == Payload(name: "a", count: 2))
        let at = try request(#"{"name":"a","count":2,"window":{"starts_at":"2026-03-29T08:00:00+02:00","time_zone":"UTC"}}"#).json(Payload.self)
        #expect(at.window?.startsAt == Date(timeIntervalSince1970: 1_774_764_000))
        let broken = #expect(throws: HTTPError.self) { try request(#"{"name":"#).json(Payload.self) }
        #expect(broken?.status == .badRequest)
        #expect(broken?.message.contains("not valid JSON") == true)
        let array = #expect(throws: HTTPError.self) { try request("[1]").json(Payload.self) }
        #expect(array?.status == .badRequest)
        let notJSON = #expect(throws: HTTPError.self) { try request("{}", type: "text/plain").json(Payload.self) }
        #expect(notJSON?.status == .unsupportedMediaType)
    }

    @Test func wrongTypesAndMissingFieldsNameTheFieldInSnakeCase() throws {
        func fieldErrors(_ body: String) -> [ValidationError]? {
            let request = HTTPRequest(method: "POST", path: "/api/x", headers: ["Content-Type": "application/json"], body: Array(body.utf8))
            return #expect(throws: ValidationErrors.self) { try request.json(Payload.self) }?.errors
        }
        #expect(fieldErrors(#"{"name":"a"}"#) == [ValidationError(field: "count", message: "is required")])
        #expect(fieldErrors(#"{"name":"a","count":"x"}"#) == [ValidationError(field: "count", message: "must be an integer")])
        #expect(fieldErrors(#"{"name":"a","count":null}"#) == [ValidationError(field: "count", message: "must be an integer")])
        #expect(fieldErrors(#"{"name":"a","count":1.5}"#) == [ValidationError(field: "count", message: "must be an integer")])
        #expect(fieldErrors(#"{"name":"a","count":1e30}"#) == [ValidationError(field: "count", message: "must be an integer")])
        #expect(fieldErrors(#"{"name":7,"count":1}"#) == [ValidationError(field: "name", message: "must be a string")])
        #expect(fieldErrors(#"{"name":"a","count":1,"window":5}"#) == [ValidationError(field: "window", message: "must be an object")])
        #expect(fieldErrors(#"{"name":"a","count":1,"window":{"starts_at":"2026-03-29T08:00:00Z"}}"#)
                == [ValidationError(field: "window.time_zone", message: "is required")])
        #expect(fieldErrors(#"{"name":"a","count":1,"window":{"starts_at":"tomorrow","time_zone":"UTC"}}"#)
                == [ValidationError(field: "window.starts_at", message: JSONBody.dateMessage)])
        #expect(fieldErrors(#"{"name":"a","count":1,"ids":"x"}"#) == [ValidationError(field: "ids", message: "must be an array")])
        #expect(fieldErrors(#"{"name":"a","count":1,"ids":["\#(UUID())","nope"]}"#) == [ValidationError(field: "ids[1]", message: "must be a UUID")])
    }

    @Test func swiftKeysBecomeTheirJSONNames() {
        #expect(JSONBody.snakeCase("displayName") == "display_name")
        #expect(JSONBody.snakeCase("sourceURL") == "source_url")
        #expect(JSONBody.snakeCase("urlPath") == "url_path")
        #expect(JSONBody.snakeCase("destination_ids") == "destination_ids")
    }
}
