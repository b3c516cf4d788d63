/// The worker's own port: `/metrics` (Prometheus text) and `/health` (200 while the
/// worker consumes, 503 once it is shutting down). Both are answered on the server's
/// I/O thread: they only read memory.
public struct EmojiWorkerHTTPResponder: HTTPResponder {
    private let registry: MetricsRegistry
    private let health: @Sendable () -> (healthy: Bool, details: JSONValue)

    public init(registry: MetricsRegistry = .shared, health: @escaping @Sendable () -> (healthy: Bool, details: JSONValue)) {
        self.registry = registry
        self.health = health
    }

    public func answersInline(method: String, path: String) -> Bool { true }

    public func bodyLimit(method: String, path: String) -> Int { 0 }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, headers: [("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8")],
                                body: Array("method not allowed\n".utf8))
        }
        switch request.path {
        case "/metrics":
            return HTTPResponse(text: registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case "/health":
            let (healthy, details) = health()
            return HTTPResponse(status: healthy ? 200 : 503, json: details)
        default:
            return HTTPResponse(status: 404, text: "not found\n")
        }
    }
}
