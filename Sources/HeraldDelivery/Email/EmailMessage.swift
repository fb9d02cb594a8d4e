/// One message as data, before curl sees it: the header lines (encoded and folded already) and the MIME tree.
/// `SMTPTransaction` turns it into a `CurlMime`; keeping it a value lets tests read what will be sent.
struct EmailMessage {
    /// `Name: value` lines in order; never a `Bcc` line.
    var headers: [String]
    /// The top part: `multipart/mixed` (body then files) or, without files, `multipart/alternative` (text, HTML).
    var body: EmailPart
    /// `<…@domain>`, as in the `Message-ID` header.
    var messageID: String
}

/// A node of the MIME tree.
indirect enum EmailPart {
    /// Text sent quoted-printable, e.g. `text/plain; charset=utf-8`.
    case text(contentType: String, text: String)
    /// A file streamed from disk, base64; `disposition` is the whole `Content-Disposition` value.
    case file(path: String, contentType: String, disposition: String)
    /// `multipart/<subtype>` of `parts`.
    case multipart(subtype: String, parts: [EmailPart])
}
