import CCmark
import CCurl
import CFastCGI
import CPangoCairo
import Foundation
import Testing

/// The C modules that no wrapper uses yet still have to build and link: these calls prove their module maps.
struct CLibrariesLinkTests {
    @Test func curlReportsTheProtocolsHeraldDeliversWith() throws {
        let info = try #require(ccurl_version_info())
        var protocols: [String] = []
        var cursor = info.pointee.protocols
        while let name = cursor?.pointee { protocols.append(String(cString: name)); cursor = cursor?.advanced(by: 1) }
        for needed in ["smtp", "smtps", "sftp", "ftp", "ftps", "https"] { #expect(protocols.contains(needed), "curl lacks \(needed)") }
    }

    @Test func curlSetoptShimSetsOptions() {
        let handle = curl_easy_init()
        defer { curl_easy_cleanup(handle) }
        #expect(ccurl_setopt_string(handle, CURLOPT_URL, "file:///dev/null") == CURLE_OK)
        #expect(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
    }

    @Test func pangoCairoWritesAPDF() throws {
        let path = NSTemporaryDirectory() + "herald-link-\(UUID().uuidString).pdf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let surface = cairo_pdf_surface_create(path, 595, 842)
        let cr = cairo_create(surface)
        let layout = pango_cairo_create_layout(cr)
        pango_layout_set_text(layout, "Herald", -1)
        pango_cairo_show_layout(cr, layout)
        g_object_unref(UnsafeMutableRawPointer(layout))
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(String(decoding: data.prefix(5), as: UTF8.self) == "%PDF-")
    }

    @Test func cmarkAndFastCGIAreLinked() {
        #expect(cmark_version() > 0)
        #expect(FCGX_Init() == 0)
    }
}
