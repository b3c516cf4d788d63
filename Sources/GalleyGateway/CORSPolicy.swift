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

    /// Whether `origin` is named in the list (not only matched by `*`).
    func isListed(_ origin: String) -> Bool {
        var trimmed = origin
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return origins.contains(trimmed)
    }

    /// A preflight is `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    func isPreflight(_ request: HTTPRequest) -> Bool {
        request.method == "OPTIONS" && request.headers["Origin"] != nil
            && request.headers["Access-Control-Request-Method"] != nil
    }

    /// The answer to a preflight, as Starlette's middleware gave it: 200 "OK" with the
    /// allow headers for an allowed origin, 400 "Disallowed CORS origin" otherwise.
    func preflight(_ request: HTTPRequest) -> HTTPResponse {
        let origin = request.headers["Origin"] ?? ""
        let allowed = allows(origin)
        // `*` answers an origin it does not name with `*` and no credentials (issue 12).
        let wildcard = allowed && allowsAny && !isListed(origin)
        var headers: [(String, String)] = [("Vary", "Origin")]
        if allowed { headers.append(("Access-Control-Allow-Origin", wildcard ? "*" : origin)) }
        headers.append(("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"))
        headers.append(("Access-Control-Max-Age", String(maxAge)))
        if !wildcard { headers.append(("Access-Control-Allow-Credentials", "true")) }
        if let requested = request.headers["Access-Control-Request-Headers"], !requested.isEmpty {
            headers.append(("Access-Control-Allow-Headers", requested))
        }
        headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return HTTPResponse(status: allowed ? 200 : 400, headers: headers,
                            body: Array((allowed ? "OK" : "Disallowed CORS origin").utf8))
    }

    /// Headers for an actual request carrying `Origin`: the credentials flag whatever
    /// the origin (Starlette's simple headers), the origin itself only when allowed.
    func responseHeaders(origin: String) -> [(String, String)] {
        if allowsAny && !isListed(origin) {
            return [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "X-Request-Id, Retry-After"),
            ]
        }
        guard allows(origin) else { return [("Access-Control-Allow-Credentials", "true")] }
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", "X-Request-Id, Retry-After"),
            ("Vary", "Origin"),
        ]
    }
}
