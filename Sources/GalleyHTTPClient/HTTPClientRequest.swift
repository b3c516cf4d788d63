import GalleyCore

/// One outbound request: method, absolute http(s) URL, headers and body bytes, plus the
/// largest answer body the caller will take (a larger one fails with ``HTTPClientError/Code/tooLarge``
/// as soon as it is announced or passed, so nothing unbounded is buffered).
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var maxResponseBytes: Int
    /// Follow up to 5 redirects (http and https only), as URLSession does by default.
    public var followRedirects: Bool

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                maxResponseBytes: Int = 8 * 1024 * 1024, followRedirects: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
    }

    /// Why the request cannot be sent, or nil: libcurl would pass a line break in a
    /// header straight onto the wire, so such headers are refused here.
    func problem() -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return "not an http(s) URL" }
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return "bad method" }
        for header in headers {
            guard !header.name.isEmpty, !header.name.utf8.contains(where: { $0 <= 32 || $0 == UInt8(ascii: ":") || $0 >= 127 }) else {
                return "bad header name"
            }
            if header.value.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) { return "line break in a header value" }
        }
        if url.utf8.contains(where: { $0 <= 32 || $0 == 127 }) { return "space or control character in the URL" }
        return nil
    }
}
