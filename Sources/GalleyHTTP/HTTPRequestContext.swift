import CMicroHTTPD
import GalleyCore

/// Per-request state between libmicrohttpd's callbacks.
///
/// Created in the URI-log callback (so the raw query is still intact), kept alive
/// by an `Unmanaged` retain in `*con_cls`, released in the completion callback.
/// Only libmicrohttpd's thread for the connection touches it; the handler thread
/// sees the immutable ``HTTPRequest`` and the ``HTTPPendingAnswer`` instead.
final class HTTPRequestContext {
    enum Phase {
        /// Headers parsed, the handler has not run yet.
        case new
        /// Upload callbacks; answered on the first call without data.
        case receiving
        /// Waiting for a handler thread to resume the connection.
        case suspended
        /// A response is queued.
        case answered
    }

    /// Bytes read and dropped beyond the limit before the connection is closed instead.
    static let discardAllowance = 16 * 1024 * 1024
    /// libmicrohttpd's post-processor buffer: a part's headers (name, file name, type)
    /// must fit, so it also caps their size; a longer header fails the form.
    static let formBufferSize = 32 * 1024
    /// Most parts in one form: Starlette's (the original's) limit for files and fields.
    /// More fail the form, so a body of empty parts cannot cost a struct per few bytes.
    static let maxFormParts = 1000

    var phase = Phase.new
    var rawQuery: [UInt8]
    var startedAt: ContinuousClock.Instant?
    /// When the request line arrived, and when the headers were complete: the deadlines' origins.
    let arrivedAt = ContinuousClock.now
    var headReceivedAt = ContinuousClock.now
    var method = ""
    var path = ""
    var bodyLimit = 0
    var received = 0
    var tooLarge = false
    var isMultipart = false
    var body: [UInt8] = []
    /// Where the body goes instead of ``body`` when the responder spools this route.
    var spool: HTTPBodySpool?
    var formParts: [HTTPFormPart] = []
    var formFailed = false
    var postProcessor: OpaquePointer?
    var pending: HTTPPendingAnswer?
    /// The status queued, for the completion hook; 0 while none.
    var status = 0

    init(rawQuery: [UInt8], startedAt: ContinuousClock.Instant?) {
        self.rawQuery = rawQuery
        self.startedAt = startedAt
    }

    deinit {
        if let postProcessor { _ = MHD_destroy_post_processor(postProcessor) }
    }

    /// Takes one upload chunk: keeps it, feeds the form parser, or drops it past the limit.
    /// Returns false when the client keeps sending long after the limit (close the connection).
    func accept(_ data: UnsafePointer<CChar>, count: Int) -> Bool {
        received += count
        if tooLarge { return received - bodyLimit <= Self.discardAllowance }
        if received > bodyLimit {
            tooLarge = true
            body = []
            spool?.discard()
            spool = nil
            dropForm()
            return true
        }
        if let spool {
            // A failed write (disk full) drops the file; closing is the only answer left.
            if !spool.write(data, count: count) {
                self.spool = nil
                return false
            }
        } else if isMultipart {
            if let postProcessor, MHD_post_process(postProcessor, data, count) == .NO {
                formFailed = true
                dropForm()
            }
        } else {
            body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        }
        return true
    }

    /// Lets the form parser flush its last part; a truncated body counts as malformed.
    func finishForm() {
        guard let postProcessor else { return }
        self.postProcessor = nil
        if MHD_destroy_post_processor(postProcessor) == .NO {
            formFailed = true
        }
        if formFailed { formParts = [] }
    }

    /// One callback of libmicrohttpd's post processor: a chunk of a part's value.
    /// False past ``maxFormParts``: the processor then stops and the form counts as malformed.
    func formChunk(name: UnsafePointer<CChar>?, filename: UnsafePointer<CChar>?, contentType: UnsafePointer<CChar>?,
                   data: UnsafePointer<CChar>?, offset: UInt64, size: Int) -> Bool {
        if offset == 0 {
            let part = HTTPFormPart(
                name: name.map { String(cString: $0) } ?? "",
                filename: filename.map { String(cString: $0) },
                contentType: contentType.map { String(cString: $0) }
            )
            // The parser may announce a part with an empty chunk and then deliver its
            // first bytes at offset 0 again: that is the same part, not a new one.
            if let last = formParts.last, last.data.isEmpty, last == part {
                // same part continues
            } else {
                guard formParts.count < Self.maxFormParts else { return false }
                formParts.append(part)
            }
        }
        guard size > 0, let data, !formParts.isEmpty else { return true }
        formParts[formParts.count - 1].data.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size))
        return true
    }

    private func dropForm() {
        formParts = []
        if let postProcessor {
            self.postProcessor = nil
            _ = MHD_destroy_post_processor(postProcessor)
        }
    }
}
