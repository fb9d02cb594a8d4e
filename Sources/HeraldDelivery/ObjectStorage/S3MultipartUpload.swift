/// A file sent in parts (`POST ?uploads`, `PUT ?partNumber&uploadId` per part, `POST ?uploadId` with the ETags),
/// aborted (`DELETE ?uploadId`) when any step fails, so no half-assembled upload lingers and nothing partial is ever
/// visible under the key.
struct S3MultipartUpload {
    let session: S3Session
    let key: String
    /// Headers of the object itself (type, encryption): they go on the initiating request.
    let objectHeaders: [String]

    /// S3 allows at most 10,000 parts, each at least 5 MiB except the last.
    static func partSize(fileSize: Int64, threshold: Int64) -> Int64 {
        max(threshold, 5 * 1024 * 1024, (fileSize + 9_999) / 10_000)
    }

    func upload(path: String, size: Int64, partSize: Int64) throws -> Int {
        let started = try session.send("POST", key: key, query: "uploads=", headers: objectHeaders, step: "upload")
        guard started.status == 200 else { throw S3ErrorResponse(status: started.status, body: started.body).error(step: "upload", redactor: session.redactor) }
        guard let uploadID = XMLText.first("UploadId", in: String(decoding: started.body, as: UTF8.self)), !uploadID.isEmpty else {
            throw DeliveryError("upload: protocol: the server started a multipart upload without an UploadId", category: "protocol")
        }
        do {
            var etags: [String] = []
            var offset: Int64 = 0
            while offset < size {
                let length = min(partSize, size - offset)
                let number = etags.count + 1
                let query = S3Encoding.query([("partNumber", "\(number)"), ("uploadId", uploadID)])
                let part = try session.send("PUT", key: key, query: query, body: .file(path: path, offset: offset, length: length), step: "upload part \(number)")
                guard part.status == 200 else { throw S3ErrorResponse(status: part.status, body: part.body).error(step: "upload part \(number)", redactor: session.redactor) }
                guard let etag = part.header("ETag"), !etag.isEmpty else {
                    throw DeliveryError("upload part \(number): protocol: the server gave no ETag", category: "protocol")
                }
                etags.append(etag)
                offset += length
            }
            let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(XMLText.escape($0.element))</ETag></Part>" }
            let document = "<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>"
            let done = try session.send("POST", key: key, query: S3Encoding.query([("uploadId", uploadID)]), headers: ["Content-Type: application/xml"],
                                        body: .bytes(Array(document.utf8)), step: "complete upload")
            // S3 may answer 200 and still put an <Error> in the body of a completion.
            guard done.status == 200, !String(decoding: done.body, as: UTF8.self).contains("<Error>") else {
                throw S3ErrorResponse(status: done.status == 200 ? 500 : done.status, body: done.body).error(step: "complete upload", redactor: session.redactor)
            }
            return etags.count
        } catch {
            _ = try? session.send("DELETE", key: key, query: S3Encoding.query([("uploadId", uploadID)]), step: "abort upload")
            throw error
        }
    }
}
