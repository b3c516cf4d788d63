public import GalleyCore
import GalleyPostgres
import GalleyRedis
public import GalleyHTTP
import GalleyStorage

/// A worker's small HTTP face on `METRICS_PORT`: `/health` (alive, no dependency
/// calls, so a Redis blip never gets a worker restarted), `/ready` (not shutting
/// down) and `/metrics` (Prometheus text). All cheap, so answered on libmicrohttpd's
/// own thread.
public struct WorkerStatusResponder: HTTPResponder {
    private let registry: MetricsRegistry
    private let isStopping: @Sendable () -> Bool

    public init(registry: MetricsRegistry = .shared, isStopping: @escaping @Sendable () -> Bool = { false }) {
        self.registry = registry
        self.isStopping = isStopping
    }

    public func bodyLimit(method: String, path: String) -> Int { 0 }

    public func answersInline(method: String, path: String) -> Bool { true }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, headers: [("Allow", "GET, HEAD")], body: [])
        }
        switch request.path {
        case "/health":
            return HTTPResponse(json: ["status": "ok"])
        case "/ready":
            return isStopping()
                ? HTTPResponse(status: 503, json: ["status": "stopping"])
                : HTTPResponse(json: ["status": "ready"])
        case "/metrics":
            return HTTPResponse(text: registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        default:
            return HTTPResponse(status: 404, text: "not found\n")
        }
    }
}
