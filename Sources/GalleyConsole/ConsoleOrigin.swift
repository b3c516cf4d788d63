import Foundation
import GalleyHTTP

/// Same-origin check for the console's POSTs, on top of the CSRF token: the browser's
/// `Sec-Fetch-Site` when sent, else `Origin`, else `Referer` must name this host. A POST
/// with none of them is refused (every browser the console supports sends one).
enum ConsoleOrigin {
    static func isSameOrigin(_ request: HTTPRequest) -> Bool {
        if let site = request.headers["Sec-Fetch-Site"] {
            return site == "same-origin"
        }
        guard let host = request.headers["Host"]?.lowercased(), !host.isEmpty else { return false }
        if let origin = request.headers["Origin"] {
            return authority(of: origin) == host
        }
        if let referer = request.headers["Referer"] {
            return authority(of: referer) == host
        }
        return false
    }

    /// `host[:port]` of an absolute http(s) URL, lowercased; nil for anything else ("null").
    static func authority(of url: String) -> String? {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return components.port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}
