import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// Finds the route for a method and a path. A path that matches with another method is
/// 405000 (with `Allow`), a path nothing matches is 404000 "Not Found", as FastAPI answered.
struct Router: Sendable {
    enum Outcome {
        case matched(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private(set) var routes: [Route] = []
    /// Routes without parameters by method, then normalized path: most requests end
    /// here after two hash lookups instead of a scan.
    private var literal: [String: [String: Route]] = [:]

    mutating func add(_ route: Route) {
        routes.append(route)
        if route.segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            let path = "/" + Route.split(route.template).joined(separator: "/")
            if literal[route.method, default: [:]][path] == nil { literal[route.method, default: [:]][path] = route }
        }
        // Stable sort: among equally specific templates the first added wins.
        routes = routes.enumerated().sorted { a, b in
            a.element.specificity.lexicographicallyPrecedes(b.element.specificity) || (a.element.specificity == b.element.specificity && a.offset < b.offset)
        }.map(\.element)
    }

    mutating func add(_ method: String, _ template: String, inline: Bool = false, _ handler: @escaping Route.Handler) {
        add(Route(method: method, template: template, inline: inline, handler: handler))
    }

    /// `HEAD` is served by the `GET` route, as Starlette did.
    func route(method: String, path: String) -> Outcome {
        let wanted = method == "HEAD" ? "GET" : method
        if let route = literal[wanted]?[Router.normalize(path)] { return .matched(route, parameters: [:]) }
        let parts = Route.split(path)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.match(parts) else { continue }
            if route.method == wanted { return .matched(route, parameters: parameters) }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Whether the route for this method and path is answered inline (no parameters).
    func isInline(method: String, path: String) -> Bool {
        literal[method == "HEAD" ? "GET" : method]?[Router.normalize(path)]?.inline ?? false
    }

    /// `/a/b` for `/a/b/`; paths with empty segments go the slow way (split) and still match.
    static func normalize(_ path: String) -> String {
        guard path.utf8.count > 1, path.utf8.last == UInt8(ascii: "/") else { return path }
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
