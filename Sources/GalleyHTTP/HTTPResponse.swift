public import GalleyCore

/// What the server sends back. `Content-Length` is added by libmicrohttpd; a HEAD
/// request gets the same headers without the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// When set, the body is this file instead of ``body`` (sent by the kernel, not copied).
    public var file: HTTPFileBody?

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text body with its content type.
    public init(status: Int = 200, text: String, contentType: String = "text/plain; charset=utf-8") {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// A JSON document already serialized.
    public init(status: Int = 200, json: [UInt8]) {
        self.init(status: status, headers: [("Content-Type", "application/json")], body: json)
    }

    /// A JSON value, serialized with ``JSONWriter``.
    public init(status: Int = 200, json: JSONValue) {
        self.init(status: status, json: JSONWriter.bytes(json))
    }

    /// The first value of a header the response carries, any case.
    public func header(_ name: String) -> String? {
        headers.first { HTTPHeaders.sameName($0.0, name) }?.1
    }
}
