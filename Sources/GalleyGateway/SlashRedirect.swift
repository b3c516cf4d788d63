import GalleyCore
import GalleyHTTP

/// The original's answer to a path whose trailing slash is wrong (`/api/v1/config/`):
/// Starlette's `307` to the other form, empty body, absolute `Location` built from the
/// request's `Host`. Kept as it was because apps already follow it (a 307 keeps the
/// method and body), and answering both forms would make Galley differ for them.
enum SlashRedirect {
    static func response(to path: String, for request: HTTPRequest, proxies: ForwardedAllowList) -> HTTPResponse {
        var target = path
        if !request.rawQuery.isEmpty { target += "?" + request.rawQuery }
        if let host = request.headers["Host"], !host.isEmpty, isSafeHost(host) {
            target = scheme(of: request, proxies: proxies) + "://" + host + target
        }
        return HTTPResponse(status: 307, headers: [("Location", target)], body: [])
    }

    /// `https` when a proxy trusted by `FORWARDED_ALLOW_IPS` (the same rule as the client
    /// address, uvicorn's) says so with `X-Forwarded-Proto`, else `http`.
    static func scheme(of request: HTTPRequest, proxies: ForwardedAllowList) -> String {
        guard proxies.trusts(request.remoteAddress),
              let proto = request.headers["X-Forwarded-Proto"]?.split(separator: ",").first.map({ String($0).trimmingWhitespace().lowercased() }),
              proto == "https" || proto == "http"
        else { return "http" }
        return proto
    }

    /// A host (and port) with nothing that could turn the header into another URL.
    static func isSafeHost(_ host: String) -> Bool {
        host.utf8.count <= 255 && host.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-.:[]".unicodeScalars.contains(scalar))
        }
    }
}
