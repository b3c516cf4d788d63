import GalleyCore
import GalleyHTTP

/// `INTERNAL_PORT` (and `INTERNAL_HOST`, default `HOST`): `/metrics` and `/ready` move
/// to their own listener for Prometheus and the orchestrator, and the API port answers
/// them 404 like any unknown path (issue 12: they were public on the API port).
/// Liveness (`/health`) stays on both. Unset: everything on the API port, as before.
enum InternalEndpoints {
    static let paths: Set<String> = ["/metrics", "/ready", "/api/v1/ready"]
    static let health: Set<String> = ["/health", "/api/v1/health"]
    /// A path no route has: the base responder answers it with its usual 404 envelope.
    static let hiddenPath = "/api/v1/__internal_only__"

    static func isInternal(_ path: String) -> Bool { paths.contains(Router.normalize(path)) }
}

/// A responder that serves only some paths of `base` and answers 404 for the rest.
struct FilteredResponder: HTTPResponder {
    let base: GatewayResponder
    /// True for a path this listener serves.
    let serves: @Sendable (String) -> Bool

    /// The API port without the internal endpoints.
    static func api(_ base: GatewayResponder) -> FilteredResponder {
        FilteredResponder(base: base) { !InternalEndpoints.isInternal($0) }
    }

    /// The internal port: the internal endpoints and liveness only.
    static func `internal`(_ base: GatewayResponder) -> FilteredResponder {
        FilteredResponder(base: base) {
            InternalEndpoints.isInternal($0) || InternalEndpoints.health.contains(Router.normalize($0))
        }
    }

    private func visible(_ request: HTTPRequest) -> HTTPRequest {
        guard !serves(request.path) else { return request }
        var hidden = request
        hidden.path = InternalEndpoints.hiddenPath
        return hidden
    }

    func bodyLimit(method: String, path: String) -> Int { base.bodyLimit(method: method, path: path) }
    func answersInline(method: String, path: String) -> Bool {
        serves(path) && base.answersInline(method: method, path: path)
    }
    func respond(to request: HTTPRequest) -> HTTPResponse { base.respond(to: visible(request)) }
    func respondInline(to request: HTTPRequest, lane: Int) -> HTTPResponse? {
        serves(request.path) ? base.respondInline(to: request, lane: lane) : nil
    }
    func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse { base.bodyTooLarge(head) }
    func admit(head: HTTPRequest) -> HTTPResponse? { base.admit(head: visible(head)) }
}
