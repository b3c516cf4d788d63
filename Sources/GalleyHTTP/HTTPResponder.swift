import GalleyCore

/// The application side of an ``HTTPServer``.
///
/// `respond` runs on one of the server's handler threads (it may block on the
/// database), except when `answersInline` says the route is cheap enough to answer
/// on libmicrohttpd's own thread. `bodyLimit`, `answersInline` and `bodyTooLarge`
/// always run on libmicrohttpd's thread: keep them cheap and non-blocking.
/// HEAD requests arrive as such; libmicrohttpd drops the body from the answer.
public protocol HTTPResponder: Sendable {
    /// Largest body accepted for this route, in bytes. A negative value means
    /// ``HTTPServerConfiguration/defaultBodyLimit``.
    func bodyLimit(method: String, path: String) -> Int
    /// True for routes cheap enough to answer on the I/O thread (`/health`, `/metrics`).
    func answersInline(method: String, path: String) -> Bool
    /// Builds the answer; runs on a handler thread, blocking calls are fine here.
    func respond(to request: HTTPRequest) -> HTTPResponse
    /// A short read answered on libmicrohttpd's thread number `lane` (0 up to
    /// ``HTTPServerConfiguration/threads``), saving the hand-off to a handler thread and
    /// back; nil sends the request to a handler thread as usual. It may block only on a
    /// resource reserved for that lane (its own database session) and must answer exactly
    /// what `respond` would. Every other connection of the lane waits meanwhile.
    func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse?
    /// The answer when the body exceeds the limit; `head` has no body and no form parts.
    func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse
    /// Identity before bodies: called on the head alone (no body, no form parts) when the
    /// body is large (over ``HTTPServerConfiguration/admissionThreshold``) or undeclared.
    /// An answer (a 401/403) is sent at once and the body is never read; nil reads it.
    /// Runs on libmicrohttpd's thread: headers and CPU only, no I/O.
    func admit(head: HTTPRequest) -> HTTPResponse?
    /// A directory for routes whose body is written to a temporary file as it arrives
    /// (``HTTPRequest/spooledBody``) instead of memory; nil buffers it. The file is
    /// deleted when the request ends unless `respond` renamed it away.
    func spoolDirectory(method: String, path: String) -> String?
}

extension HTTPResponder {
    /// The server's default limit.
    public func bodyLimit(method: String, path: String) -> Int { -1 }
    /// Every route runs on a handler thread unless the responder says otherwise.
    public func answersInline(method: String, path: String) -> Bool { false }
    /// No request is answered on a lane: every one goes to a handler thread.
    public func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse? { nil }
    /// Every request is read.
    public func admit(head: HTTPRequest) -> HTTPResponse? { nil }
    /// Every body is buffered in memory (up to its limit).
    public func spoolDirectory(method: String, path: String) -> String? { nil }
    /// A plain 413.
    public func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: 413, text: "request body too large\n")
    }
}
