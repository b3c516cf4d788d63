import GalleyCore
import GalleyPostgres
import GalleyHTTP
import GalleyStorage
import GalleyEmoji
import GalleyWebhooks


/// Cross-origin rules from `BACKEND_CORS_ORIGINS`, as the original's Starlette
/// middleware applied them (credentials allowed, any method and header). No origins
/// configured: no CORS headers, and `OPTIONS` is an ordinary 405.
///
/// One difference (issue 12): for `*` the original reflected any origin together with
/// `Allow-Credentials: true`, letting every site make credentialed calls. Galley answers
/// `*` without credentials instead; the app authenticates with a bearer header, which
/// `*` permits, so only cookie-borne credentials stop crossing origins. Origins listed
/// by name keep the reflected, credentialed answer.
struct CORSPolicy: Sendable {
    let origins: Set<String>
    let allowsAny: Bool
    /// Seconds a browser may cache a preflight answer.
    let maxAge = 600

    init(origins: [String]) {
        self.origins = Set(origins)
        allowsAny = origins.contains("*")
    }

    var isEnabled: Bool { !origins.isEmpty }

    func allows(_ origin: String) -> Bool {
        guard isEnabled, !origin.isEmpty else { return false }
        if allowsAny { return true }
        var trimmed = origin
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return origins.contains(trimmed)
    }

    /// A preflight is `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    func isPreflight(_ request: HTTPRequest) -> Bool {
        request.method == "OPTIONS" && request.headers["Origin"] != nil
            && request.headers["Access-Control-Request-Method"] != nil
    }

    /// The answer to an allowed preflight (nil when the origin is not allowed).
    func preflight(_ request: HTTPRequest) -> HTTPResponse? {
        guard let origin = request.headers["Origin"], allows(origin) else { return nil }
        var headers = responseHeaders(origin: origin)
        headers.append(("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"))
        if let requested = request.headers["Access-Control-Request-Headers"], !requested.isEmpty {
            headers.append(("Access-Control-Allow-Headers", requested))
        }
        headers.append(("Access-Control-Max-Age", String(maxAge)))
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return HTTPResponse(status: 200, headers: headers, body: Array("OK".utf8))
    }

    /// Headers for an actual request from an allowed origin.
    func responseHeaders(origin: String) -> [(String, String)] {
        var trimmed = origin
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if allowsAny && !origins.contains(trimmed) {
            return [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "X-Request-Id, Retry-After"),
            ]
        }
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", "X-Request-Id, Retry-After"),
            ("Vary", "Origin"),
        ]
    }
}
