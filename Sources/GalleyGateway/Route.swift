import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// One route: a method, a path template (`/api/v1/emoji/task/{task_id}`, or a final
/// `{key...}` that takes the rest of the path) and the handler.
struct Route: Sendable {
    typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        /// Takes every remaining segment (at least one).
        case rest(String)
    }

    let method: String
    /// The template as written: the `route` label of the metrics.
    let template: String
    let segments: [Segment]
    let handler: Handler
    /// Answered on libmicrohttpd's own thread (cheap, no I/O).
    let inline: Bool
    /// A short read answered on libmicrohttpd's thread with that thread's own database
    /// session when it is free (``GatewayResponder/respondInline(to:lane:)``), else on a
    /// handler thread. Its handler reads through ``RequestContext/withReadConnection(_:)``.
    let lane: Bool
    /// `HEAD` is served by this `GET` route. FastAPI's API routes refused it (405), so
    /// only the pages and Galley's own probes allow it.
    let allowsHead: Bool
    let metrics: RouteMetrics

    init(method: String, template: String, inline: Bool = false, lane: Bool = false, allowsHead: Bool = false,
         handler: @escaping Handler) {
        self.method = method
        self.template = template
        self.segments = Route.split(template).map { part in
            if part.hasPrefix("{") && part.hasSuffix("...}") { return .rest(String(part.dropFirst().dropLast(4))) }
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(part)
        }
        self.handler = handler
        self.inline = inline
        self.lane = lane
        self.allowsHead = allowsHead && method == "GET"
        self.metrics = RouteMetrics(route: template, method: method)
    }

    /// Path segments, empty ones kept: `/a/b/` and `/a/b` are different paths, as they
    /// were for Starlette (one redirects to the other).
    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether `method` is served by this route.
    func serves(_ method: String) -> Bool {
        method == self.method || (method == "HEAD" && allowsHead)
    }

    /// The `Allow` header's methods for this route.
    var allowedMethods: [String] { allowsHead ? [method, "HEAD"] : [method] }

    /// The parameters when `parts` fits this template, else nil.
    func match(_ parts: [String]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < parts.count, parts[index] == text else { return nil }
            case .parameter(let name):
                guard index < parts.count, !parts[index].isEmpty else { return nil }
                parameters[name] = parts[index]
            case .rest(let name):
                guard index < parts.count, !parts[index].isEmpty else { return nil }
                parameters[name] = parts[index...].joined(separator: "/")
                return parameters
            }
        }
        return parts.count == segments.count ? parameters : nil
    }

    /// Literal segments rank before parameters, so `/order/list` wins over `/order/{order_no}`.
    var specificity: [Int] {
        segments.map { segment in
            switch segment {
            case .literal: 0
            case .parameter: 1
            case .rest: 2
            }
        }
    }
}
