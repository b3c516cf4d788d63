import GalleyCore

/// A complete request as the responder sees it: head, body and parsed form parts.
///
/// Text fields are decoded leniently (invalid UTF-8 becomes U+FFFD) so that odd
/// input still reaches the responder, which decides what is acceptable.
public struct HTTPRequest: Sendable {
    /// The method as sent ("GET", "POST", ...).
    public var method: String
    /// The percent-decoded path, without the query.
    public var path: String
    /// The query exactly as sent, without the "?".
    public var rawQuery: String
    /// Query parameters, percent-decoded with "+" as space; the first value of a name wins.
    public var query: [String: String]
    public var headers: HTTPHeaders
    /// The body; empty for `multipart/form-data`, whose content is in ``formParts``.
    public var body: [UInt8]
    /// The peer's address as text ("127.0.0.1", "2001:db8::1").
    public var remoteAddress: String
    /// Parts of a `multipart/form-data` body; empty when the body was not multipart or did not parse.
    public var formParts: [HTTPFormPart]
    /// The body as a file, for routes the responder spools (``body`` is then empty).
    public var spooledBody: HTTPSpooledBody?

    public init(
        method: String,
        path: String,
        rawQuery: String = "",
        query: [String: String]? = nil,
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        remoteAddress: String = "",
        formParts: [HTTPFormPart] = []
    ) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.query = query ?? HTTPQuery.parse(Array(rawQuery.utf8))
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.formParts = formParts
    }

    /// The first form part named `name`.
    public func formPart(_ name: String) -> HTTPFormPart? {
        formParts.first { $0.name == name }
    }
}
