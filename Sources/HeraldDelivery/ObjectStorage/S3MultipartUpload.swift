import Foundation

/// A file sent in parts (`POST ?uploads`, `PUT ?partNumber&uploadId` per part, `POST ?uploadId` with the ETags),
/// aborted (`DELETE ?uploadId`) when any step fails, so no half-assembled upload lingers and nothing partial is ever
/// visible under the key. Up to `concurrency` parts are in flight at once, each hashed and sent on a thread and curl
/// handle of its own: a part's SHA-256 must be known before its request starts (SigV4 signs it), so one part after
/// another would leave the link idle while each is read for its hash.
struct S3MultipartUpload {
    let session: S3Session
    let key: String
    /// Headers of the object itself (type, encryption): they go on the initiating request.
    let objectHeaders: [String]
    /// rclone's default (`--s3-upload-concurrency 4`).
    var concurrency = 4

    /// S3 allows at most 10,000 parts, each at least 5 MiB except the last. Parts are 16 MiB (as the AWS CLI's 8 MiB
    /// and rclone's 5 MiB, small enough that four in flight keep memory and a failed part's re-send small), or the
    /// threshold when that is smaller.
    static func partSize(fileSize: Int64, threshold: Int64) -> Int64 {
        max(min(threshold, 16 * 1024 * 1024), 5 * 1024 * 1024, (fileSize + 9_999) / 10_000)
    }

    func upload(path: String, size: Int64, partSize: Int64) throws -> Int {
        let started = try session.send("POST", key: key, query: "uploads=", headers: objectHeaders, step: "upload")
        guard started.status == 200 else { throw S3ErrorResponse(status: started.status, body: started.body).error(step: "upload", redactor: session.redactor) }
        guard let uploadID = XMLText.first("UploadId", in: String(decoding: started.body, as: UTF8.self)), !uploadID.isEmpty else {
            throw DeliveryError("upload: protocol: the server started a multipart upload without an UploadId", category: "protocol")
        }
        do {
            let etags = try sendParts(path: path, size: size, partSize: partSize, uploadID: uploadID)
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

    /// Every part's ETag, in part order. Threads take the next part number until none is left or one failed; the
    /// first failure is thrown once every thread has stopped (no part is still being sent when the upload is aborted).
    private func sendParts(path: String, size: Int64, partSize: Int64, uploadID: String) throws -> [String] {
        let count = Int((size + partSize - 1) / partSize)
        let state = PartsState(count: count)
        let done = DispatchGroup()
        for worker in 0..<min(concurrency, count) {
            // Each session is used by its thread alone (the first one's caller waits for the threads before using it again).
            nonisolated(unsafe) let session: S3Session
            do { session = worker == 0 ? self.session : try self.session.sibling() } catch {
                state.fail(error)
                break
            }
            done.enter()
            Thread { [key] in
                defer { done.leave() }
                while let number = state.next() {
                    let offset = Int64(number - 1) * partSize
                    let step = "upload part \(number)"
                    do {
                        let query = S3Encoding.query([("partNumber", "\(number)"), ("uploadId", uploadID)])
                        let part = try session.send("PUT", key: key, query: query, body: .file(path: path, offset: offset, length: min(partSize, size - offset)), step: step)
                        guard part.status == 200 else { throw S3ErrorResponse(status: part.status, body: part.body).error(step: step, redactor: session.redactor) }
                        guard let etag = part.header("ETag"), !etag.isEmpty else {
                            throw DeliveryError("\(step): protocol: the server gave no ETag", category: "protocol")
                        }
                        state.sent(number, etag: etag)
                    } catch {
                        state.fail(error)
                    }
                }
            }.start()
        }
        done.wait()
        return try state.etags()
    }
}

/// What the part threads share: the next part to send, the ETags so far, the first failure.
private final class PartsState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextNumber = 1
    private var tags: [String?]
    private var failure: (any Error)?

    init(count: Int) { tags = Array(repeating: nil, count: count) }

    /// The next part number to send; nil once all are taken or any part failed.
    func next() -> Int? {
        lock.withLock {
            guard failure == nil, nextNumber <= tags.count else { return nil }
            defer { nextNumber += 1 }
            return nextNumber
        }
    }

    func sent(_ number: Int, etag: String) { lock.withLock { tags[number - 1] = etag } }

    func fail(_ error: any Error) { lock.withLock { if failure == nil { failure = error } } }

    func etags() throws -> [String] {
        try lock.withLock {
            if let failure { throw failure }
            return tags.map { $0 ?? "" }
        }
    }
}
