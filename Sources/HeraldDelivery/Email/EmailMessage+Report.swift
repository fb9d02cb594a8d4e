extension EmailMessage {
    /// A report email: `multipart/mixed` of the body's alternatives then the files, or only the alternatives when
    /// no file travels with it. `headers` are the lines of `EmailHeaders` for this message.
    init(headers: [String], messageID: String, body: EmailBody, files: EmailFiles) {
        let alternative = EmailPart.multipart(subtype: "alternative", parts: [
            .text(contentType: "text/plain; charset=utf-8", text: body.text),
            .text(contentType: "text/html; charset=utf-8", text: body.html),
        ])
        let attached: [EmailFiles.File]
        var inline = false
        switch files {
        case .attached(let list, let isInline): attached = list; inline = isInline
        case .zipped(let zip, _, _): attached = [zip]
        case .none, .links: attached = []
        }
        let top: EmailPart
        if attached.isEmpty {
            top = alternative
        } else {
            top = .multipart(subtype: "mixed", parts: [alternative] + attached.map { file in
                // Each name parameter on a line of its own: an RFC 2231 one may run over several.
                .file(path: file.path, contentType: EmailFiles.contentType(file.format) + ";" + EncodedWord.fold + EncodedWord.parameter("name", file.name),
                      disposition: (inline ? "inline;" : "attachment;") + EncodedWord.fold + EncodedWord.parameter("filename", file.name))
            })
        }
        self.init(headers: headers + ["Content-Type: multipart/" + (attached.isEmpty ? "alternative" : "mixed")], body: top, messageID: messageID)
    }
}
