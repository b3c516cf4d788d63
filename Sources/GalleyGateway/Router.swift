import GalleyCore
import GalleyHTTP


/// Finds the route for a method and a path the way Starlette's router did for the
/// original: an exact path match wins; else the first route whose path matches with
/// another method gives 405000 with that route's `Allow`; else, when the path with its
/// trailing slash toggled would match, a 307 to it; else 404000.
struct Router: Sendable {
    enum Outcome {
        case matched(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        /// The same path with its trailing slash added or removed.
        case redirect(path: String)
        case notFound
    }

    private(set) var routes: [Route] = []
    /// Routes without parameters by method, then exact path: most requests end here
    /// after two hash lookups instead of a scan.
    private var literal: [String: [String: Route]] = [:]

    mutating func add(_ route: Route) {
        routes.append(route)
        if route.segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            for method in route.allowsHead ? [route.method, "HEAD"] : [route.method]
            where literal[method, default: [:]][route.template] == nil {
                literal[method, default: [:]][route.template] = route
            }
        }
        // Stable sort: among equally specific templates the first added wins.
        routes = routes.enumerated().sorted { a, b in
            a.element.specificity.lexicographicallyPrecedes(b.element.specificity) || (a.element.specificity == b.element.specificity && a.offset < b.offset)
        }.map(\.element)
    }

    mutating func add(_ method: String, _ template: String, inline: Bool = false, lane: Bool = false,
                      allowsHead: Bool = false, _ handler: @escaping Route.Handler) {
        add(Route(method: method, template: template, inline: inline, lane: lane, allowsHead: allowsHead, handler: handler))
    }

    func route(method: String, path: String) -> Outcome {
        if let route = literal[method]?[path] { return .matched(route, parameters: [:]) }
        let parts = Route.split(path)
        var partial: Route?
        for route in routes {
            guard let parameters = route.match(parts) else { continue }
            if route.serves(method) { return .matched(route, parameters: parameters) }
            if partial == nil { partial = route }
        }
        if let partial { return .methodNotAllowed(allowed: partial.allowedMethods) }
        if path != "/" {
            let toggled = path.hasSuffix("/") ? String(path.dropLast()) : path + "/"
            let toggledParts = Route.split(toggled)
            if routes.contains(where: { $0.match(toggledParts) != nil }) { return .redirect(path: toggled) }
        }
        return .notFound
    }

    /// Whether the route for this method and path is answered inline (no parameters).
    func isInline(method: String, path: String) -> Bool {
        literal[method]?[path]?.inline ?? false
    }

    /// The route for this method and path when it is a lane route (no parameters).
    func laneRoute(method: String, path: String) -> Route? {
        guard let route = literal[method]?[path], route.lane else { return nil }
        return route
    }

    /// `/a/b` for `/a/b/` (body limits look routes up this way; routing itself is exact).
    static func normalize(_ path: String) -> String {
        guard path.utf8.count > 1, path.utf8.last == UInt8(ascii: "/") else { return path }
        var path = Substring(path)
        while path.count > 1 && path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }
}
