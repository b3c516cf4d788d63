/// `/health` and `/metrics` of `RewardWorker schedule`: both cheap, so answered on
/// libmicrohttpd's own thread. `/health` is liveness only (no dependency calls): the
/// scheduler sleeps most of the week and must not be restarted for a Redis blip.
public struct RewardStatusResponder: HTTPResponder {
    public let registry: MetricsRegistry

    public init(registry: MetricsRegistry = .shared) {
        self.registry = registry
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
        case "/metrics":
            return HTTPResponse(text: registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        default:
            return HTTPResponse(status: 404, text: "not found\n")
        }
    }
}
