import CMicroHTTPD
import Glibc
import Synchronization
import GalleyCore

/// What libmicrohttpd's callbacks reach through their `cls` pointer: the responder,
/// the limits, the handler threads and the counters. Lives from `start` until the
/// daemon has stopped.
final class HTTPServerCore: Sendable {
    let responder: any HTTPResponder
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let onRequestCompleted: HTTPServer.CompletionHook?
    let executor: BlockingExecutor
    let peers: HTTPPeerConnections
    /// Requests between the request line and the end of their response.
    let inFlight = Atomic<Int>(0)
    /// Set when shutdown begins: responses then carry `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Suspended requests, so shutdown can answer them when the deadline passes.
    let suspended = Mutex(Suspended())
    /// Each libmicrohttpd thread's lane number (plus one, so nil means none yet).
    private let laneKey: pthread_key_t
    private let lanesGiven = Atomic<Int>(0)

    struct Suspended {
        var entries: [ObjectIdentifier: HTTPPendingAnswer] = [:]
        /// Past the shutdown deadline nothing may suspend: the daemon is about to stop.
        var closed = false
    }

    init(responder: any HTTPResponder, configuration: HTTPServerConfiguration, logger: Logger,
         onRequestCompleted: HTTPServer.CompletionHook?) {
        self.responder = responder
        self.configuration = configuration
        self.peers = HTTPPeerConnections(limit: configuration.perIPConnectionLimit,
                                         exempt: configuration.perIPLimitExemptPeers)
        self.logger = logger
        self.onRequestCompleted = onRequestCompleted
        self.executor = BlockingExecutor(name: "http-handler", threads: configuration.handlerThreads)
        var key = pthread_key_t()
        // Without a key (never seen: the limit is 1 024 keys) every thread reports no lane.
        laneKey = pthread_key_create(&key, nil) == 0 ? key : pthread_key_t.max
    }

    deinit {
        if laneKey != pthread_key_t.max { pthread_key_delete(laneKey) }
    }

    /// The calling libmicrohttpd thread's lane, 0 up to `threads`, numbered on first sight;
    /// nil for a thread past that count or without a key.
    private func currentLane() -> Int? {
        guard laneKey != pthread_key_t.max else { return nil }
        let lane: Int
        if let stored = pthread_getspecific(laneKey) {
            lane = Int(bitPattern: stored) - 1
        } else {
            lane = lanesGiven.wrappingAdd(1, ordering: .relaxed).oldValue
            pthread_setspecific(laneKey, UnsafeRawPointer(bitPattern: lane + 1))
        }
        return lane < max(1, configuration.threads) ? lane : nil
    }

    // MARK: Request lifecycle (libmicrohttpd threads)

    /// URI-log callback: a request line arrived. Keeps the raw query before
    /// libmicrohttpd splits and unescapes it in place.
    func begin(uri: UnsafePointer<CChar>?) -> UnsafeMutableRawPointer {
        var rawQuery: [UInt8] = []
        if let uri, let mark = strchr(uri, Int32(UInt8(ascii: "?"))) {
            let start = UnsafeRawPointer(mark + 1)
            rawQuery = Array(UnsafeRawBufferPointer(start: start, count: strlen(mark + 1)))
        }
        inFlight.add(1, ordering: .relaxed)
        let context = HTTPRequestContext(rawQuery: rawQuery,
                                         startedAt: onRequestCompleted == nil ? nil : ContinuousClock.now)
        return Unmanaged.passRetained(context).toOpaque()
    }

    /// Access-handler callback. Never answers on the first call of a request
    /// (libmicrohttpd 0.9.75 would then close a keep-alive connection), except to
    /// refuse a declared body that is too large, where closing is intended.
    func handle(connection: OpaquePointer, context: HTTPRequestContext, method: UnsafePointer<CChar>?,
                url: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
                uploadSize: UnsafeMutablePointer<Int>?) -> MHD_Result {
        switch context.phase {
        case .new:
            context.phase = .receiving
            context.headReceivedAt = ContinuousClock.now
            // A head that trickled in past its deadline is not served (slowloris).
            if context.headReceivedAt - context.arrivedAt > .seconds(configuration.headDeadlineSeconds) {
                return .NO
            }
            context.method = method.map { String(cString: $0) } ?? ""
            context.path = url.map { String(cString: $0) } ?? "/"
            let limit = responder.bodyLimit(method: context.method, path: context.path)
            context.bodyLimit = limit < 0 ? max(0, configuration.defaultBodyLimit) : limit
            let declaredHeader = declaredLength(connection)
            let declared = declaredHeader ?? 0
            if declared > context.bodyLimit {
                context.tooLarge = true
                return answer(responder.bodyTooLarge(makeRequest(connection, context, withBody: false)),
                              connection, context)
            }
            // Identity before bodies: a large or undeclared (chunked) body is read only
            // for a caller the responder admits on its headers.
            let chunked = declaredHeader == nil && hasChunkedBody(connection)
            if declared > configuration.admissionThreshold || chunked,
               let refusal = responder.admit(head: makeRequest(connection, context, withBody: false)) {
                var closing = refusal
                closing.headers.append(("Connection", "close"))
                return answer(closing, connection, context)
            }
            if isMultipartForm(connection) {
                context.isMultipart = true
                context.postProcessor = MHD_create_post_processor(
                    connection, HTTPRequestContext.formBufferSize, galleyFormIterator,
                    Unmanaged.passUnretained(context).toOpaque())
                if context.postProcessor == nil { context.formFailed = true }
            } else if let directory = responder.spoolDirectory(method: context.method, path: context.path) {
                // Streamed to a file as it arrives: memory stays at one chunk whatever the size.
                guard let spool = HTTPBodySpool.create(in: directory) else {
                    var refusal = HTTPResponse(status: 503, text: "cannot store the request body now\n")
                    refusal.headers.append(("Connection", "close"))
                    return answer(refusal, connection, context)
                }
                context.spool = spool
            } else if declared > 0 {
                context.body.reserveCapacity(declared)
            }
            return .YES

        case .receiving:
            // An absolute deadline for the body: a byte every few seconds cannot hold the
            // connection (and its buffer) forever. Closing is the only answer left.
            if ContinuousClock.now - context.headReceivedAt > .seconds(configuration.bodyDeadlineSeconds) {
                return .NO
            }
            if let uploadSize, uploadSize.pointee > 0 {
                let count = uploadSize.pointee
                uploadSize.pointee = 0
                guard let uploadData else { return .YES }
                return context.accept(uploadData, count: count) ? .YES : .NO
            }
            context.finishForm()
            if context.tooLarge {
                return answer(responder.bodyTooLarge(makeRequest(connection, context, withBody: false)),
                              connection, context)
            }
            let request = makeRequest(connection, context, withBody: true)
            if responder.answersInline(method: request.method, path: request.path) {
                return answer(responder.respond(to: request), connection, context)
            }
            if let lane = currentLane(), let response = responder.respondInline(to: request, lane: lane) {
                return answer(response, connection, context)
            }
            return dispatch(request, connection, context)

        case .suspended:
            guard let response = context.pending?.take() else { return .YES }
            context.pending = nil
            return answer(response, connection, context)

        case .answered:
            return .YES
        }
    }

    /// Completion callback: the response was sent or the connection went away.
    func complete(_ context: HTTPRequestContext) {
        inFlight.subtract(1, ordering: .relaxed)
        // A spooled body the responder did not keep (or a broken upload) goes now.
        context.spool?.discard()
        context.spool = nil
        if let hook = onRequestCompleted, context.status != 0, let startedAt = context.startedAt {
            let (seconds, attoseconds) = (ContinuousClock.now - startedAt).components
            hook(context.method, context.path, context.status, Double(seconds) + Double(attoseconds) * 1e-18)
        }
    }

    // MARK: Handler threads

    /// Suspends the connection and lets a handler thread build the answer.
    private func dispatch(_ request: HTTPRequest, _ connection: OpaquePointer,
                          _ context: HTTPRequestContext) -> MHD_Result {
        let pending = HTTPPendingAnswer(connection: MHDConnectionHandle(pointer: connection))
        context.pending = pending
        context.phase = .suspended
        // Suspend before anyone can see `pending`: a resume must never precede it.
        MHD_suspend_connection(connection)
        let registered = suspended.withLock { registry -> Bool in
            if registry.closed { return false }
            registry.entries[ObjectIdentifier(pending)] = pending
            return true
        }
        let accepted = registered && executor.submit { [self] in
            guard pending.isWaiting else { return }
            finish(pending, with: responder.respond(to: request))
        }
        if !accepted {
            finish(pending, with: HTTPResponse(status: 503, text: "server is shutting down\n"))
        }
        return .YES
    }

    /// Hands an answer to a suspended request and resumes it, unless it was answered already.
    func finish(_ pending: HTTPPendingAnswer, with response: HTTPResponse) {
        guard pending.fulfil(response) else { return }
        MHD_resume_connection(pending.connection.pointer)
        _ = suspended.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(pending)) }
    }

    /// Shutdown past its deadline: every request still in a handler gets a 503 and
    /// no request suspends any more.
    func answerSuspended() {
        let waiting = suspended.withLock { registry in
            registry.closed = true
            return Array(registry.entries.values)
        }
        for pending in waiting {
            finish(pending, with: HTTPResponse(status: 503, text: "server is shutting down\n"))
        }
    }

    /// True once every suspended connection has been resumed (the daemon may stop).
    var nothingSuspended: Bool {
        suspended.withLock { $0.entries.isEmpty }
    }

    // MARK: Building requests and responses

    private func makeRequest(_ connection: OpaquePointer, _ context: HTTPRequestContext,
                             withBody: Bool) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.reserveCapacity(12)
        withUnsafeMutablePointer(to: &headers) { pointer in
            _ = MHD_get_connection_values_n(connection, .HEADER_KIND, galleyHeaderIterator, pointer)
        }
        var request = HTTPRequest(
            method: context.method,
            path: context.path,
            rawQuery: String(decoding: context.rawQuery, as: UTF8.self),
            query: HTTPQuery.parse(context.rawQuery),
            headers: headers,
            remoteAddress: HTTPServerCore.remoteAddress(connection)
        )
        if withBody {
            request.spooledBody = context.spool?.finish()
            request.body = context.body
            request.formParts = context.formParts
            context.body = []
            context.formParts = []
        }
        return request
    }

    /// Queues `response`; invalid statuses become 500, invalid headers are dropped by libmicrohttpd.
    private func answer(_ response: HTTPResponse, _ connection: OpaquePointer,
                        _ context: HTTPRequestContext) -> MHD_Result {
        let status = (200...599).contains(response.status) ? response.status : 500
        let created: OpaquePointer?
        if let file = response.file, let descriptor = file.take() {
            // libmicrohttpd reads (or sendfile()s) the file and closes it with the response.
            created = MHD_create_response_from_fd64(UInt64(file.size), descriptor)
            if created == nil { close(descriptor) }
        } else {
            created = response.body.withUnsafeBytes { bytes in
                MHD_create_response_from_buffer(bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                                .RESPMEM_MUST_COPY)
            }
        }
        guard let created else { return .NO }
        for (name, value) in response.headers {
            name.withCString { name in
                value.withCString { value in _ = MHD_add_response_header(created, name, value) }
            }
        }
        if draining.load(ordering: .relaxed) {
            _ = MHD_add_response_header(created, "Connection", "close")
        }
        let result = MHD_queue_response(connection, UInt32(status), created)
        MHD_destroy_response(created)
        context.phase = .answered
        context.status = status
        return result
    }

    private func declaredLength(_ connection: OpaquePointer) -> Int? {
        guard let text = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length") else {
            return nil
        }
        var value = 0
        var cursor = text
        while cursor.pointee != 0 {
            let digit = Int(cursor.pointee) - 48
            guard (0...9).contains(digit) else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(digit)
            if overflowA || overflowB { return Int.max }
            value = sum
            cursor += 1
        }
        return value
    }

    private func hasChunkedBody(_ connection: OpaquePointer) -> Bool {
        guard let encoding = MHD_lookup_connection_value(connection, .HEADER_KIND, "Transfer-Encoding") else {
            return false
        }
        return String(cString: encoding).lowercased().contains("chunked")
    }

    private func isMultipartForm(_ connection: OpaquePointer) -> Bool {
        guard let type = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Type") else {
            return false
        }
        return strncasecmp(type, "multipart/form-data", 19) == 0
    }

    /// The peer's address as text; IPv4-mapped IPv6 addresses are shown as IPv4.
    static func remoteAddress(_ connection: OpaquePointer) -> String {
        guard let address = galley_mhd_client_addr(connection) else { return "" }
        return addressText(address)
    }

    /// A socket address as text (no port); IPv4-mapped IPv6 addresses are shown as IPv4.
    static func addressText(_ address: UnsafePointer<sockaddr>) -> String {
        var family = Int32(address.pointee.sa_family)
        var raw = in6_addr()  // large enough for either family
        switch family {
        case AF_INET:
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                withUnsafeMutableBytes(of: &raw) { target in
                    withUnsafeBytes(of: ipv4.pointee.sin_addr) { target.copyMemory(from: $0) }
                }
            }
        case AF_INET6:
            raw = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            let isMapped = withUnsafeBytes(of: raw) { bytes in
                bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            }
            if isMapped {
                // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; show them as a.b.c.d.
                withUnsafeMutableBytes(of: &raw) { bytes in
                    for index in 0..<4 { bytes[index] = bytes[12 + index] }
                }
                family = AF_INET
            }
        default:
            return ""
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> String in
            guard let base = buffer.baseAddress,
                  inet_ntop(family, &raw, base, socklen_t(buffer.count)) != nil else { return "" }
            return String(cString: base)
        }
    }
}
