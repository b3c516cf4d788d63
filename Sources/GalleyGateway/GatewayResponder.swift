import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
package import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// The gateway's ``HTTPResponder``: request ids, CORS, routing, the envelope for every
/// error (a thrown non-API error is 500000 with its details only in the log), body
/// limits per route and the per-route metrics.
package final class GatewayResponder: HTTPResponder {
    /// JSON bodies: 1 MiB.
    static let jsonBodyLimit = 1024 * 1024
    /// Photos: 10 MB (the contract's detect limit and the local storage PUT).
    static let fileLimit = 10 * 1024 * 1024
    /// Multipart framing around a 10 MB file (boundaries, part headers, other fields).
    static let multipartOverhead = 64 * 1024

    let router: Router
    let services: GatewayServices
    let cors: CORSPolicy
    let requestIDs = RequestIDs()
    let laneGate = LaneGate()
    private let unmatched: [String: RouteMetrics]

    package init(services: GatewayServices) {
        self.services = services
        self.cors = CORSPolicy(origins: services.settings.corsOrigins)
        self.router = GatewayResponder.makeRouter()
        var unmatched: [String: RouteMetrics] = [:]
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"] {
            unmatched[method] = RouteMetrics(route: "unmatched", method: method)
        }
        self.unmatched = unmatched
    }

    /// Every route of the contract plus Galley's own (storage, health, docs).
    static func makeRouter() -> Router {
        var router = Router()
        AuthRoutes.register(in: &router)
        UserRoutes.register(in: &router)
        PointsRoutes.register(in: &router)
        ConfigRoutes.register(in: &router)
        EmojiRoutes.register(in: &router)
        SubscriptionRoutes.register(in: &router)
        OrderRoutes.register(in: &router)
        WeChatPayRoutes.register(in: &router)
        StorageRoutes.register(in: &router)
        HealthRoutes.register(in: &router)
        DocsRoutes.register(in: &router)
        return router
    }

    // MARK: - HTTPResponder

    package func bodyLimit(method: String, path: String) -> Int {
        let normalized = path
        if method == "POST" && normalized == "/api/v1/emoji/detect" {
            return GatewayResponder.fileLimit + GatewayResponder.multipartOverhead
        }
        if method == "PUT" && normalized.hasPrefix("/api/v1/storage/") { return GatewayResponder.fileLimit }
        return GatewayResponder.jsonBodyLimit
    }

    /// Local-storage uploads are streamed to a file in the storage's spool directory.
    package func spoolDirectory(method: String, path: String) -> String? {
        guard method == "PUT", path.hasPrefix("/api/v1/storage/"), let storage = services.localStorage else { return nil }
        return storage.spoolDirectory.path
    }

    package func answersInline(method: String, path: String) -> Bool {
        router.isInline(method: method, path: path)
    }

    package func respond(to request: HTTPRequest) -> HTTPResponse {
        // Nil only for a lane request that asks for a handler thread; this is one.
        respond(to: request, lane: -1, laneConnection: nil) ?? Envelope.response(for: .internalError)
    }

    /// The answer, on a handler thread (`laneConnection` nil) or on libmicrohttpd's
    /// thread with its lane session; nil when a lane handler threw ``LaneFallback``.
    func respond(to request: HTTPRequest, lane: Int, laneConnection: PostgresConnection?) -> HTTPResponse? {
        let started = ContinuousClock.now
        let requestID = requestIDs.id(for: request)
        var metrics: RouteMetrics
        var response: HTTPResponse

        if cors.isEnabled && cors.isPreflight(request) {
            metrics = unmatched["OPTIONS"] ?? RouteMetrics(route: "unmatched", method: "OPTIONS")
            response = cors.preflight(request)
        } else {
            switch router.route(method: request.method, path: request.path) {
            case .matched(let route, let parameters):
                metrics = route.metrics
                let context = RequestContext(request: request, requestID: requestID, services: services, parameters: parameters,
                                             lane: lane, laneConnection: laneConnection)
                do {
                    response = try route.handler(context)
                } catch is LaneFallback {
                    return nil
                } catch let error as PostgresError where laneConnection != nil && error.handsOverFromLane {
                    return nil
                } catch {
                    response = answer(error, request: request, requestID: requestID, route: route.template)
                }
            case .methodNotAllowed(let allowed):
                metrics = unmatchedMetrics(request.method)
                response = Envelope.response(for: .methodNotAllowed(allowed: allowed))
            case .redirect(let path):
                metrics = unmatchedMetrics(request.method)
                response = SlashRedirect.response(to: path, for: request, proxies: services.settings.http.forwardedAllowIPs)
            case .notFound:
                metrics = unmatchedMetrics(request.method)
                response = Envelope.response(for: .notFound)
            }
        }
        finish(&response, request: request, requestID: requestID)
        let elapsed = ContinuousClock.now - started
        metrics.record(status: response.status, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        return response
    }

    package func bodyTooLarge(_ head: HTTPRequest) -> HTTPResponse {
        var response = Envelope.response(for: .bodyTooLarge)
        // The rest of the body was not read: the connection cannot be reused.
        response.headers.append(("Connection", "close"))
        finish(&response, request: head, requestID: requestIDs.id(for: head))
        unmatchedMetrics(head.method).record(status: 413, seconds: 0)
        return response
    }

    // MARK: - Helpers

    private func unmatchedMetrics(_ method: String) -> RouteMetrics {
        unmatched[method] ?? unmatched["OTHER"] ?? RouteMetrics(route: "unmatched", method: "OTHER")
    }

    /// X-Request-Id and, for an allowed Origin, the CORS headers.
    func finish(_ response: inout HTTPResponse, request: HTTPRequest, requestID: String) {
        response.headers.append(("X-Request-Id", requestID))
        if cors.isEnabled, !cors.isPreflight(request), let origin = request.headers["Origin"] {
            response.headers.append(contentsOf: cors.responseHeaders(origin: origin))
        }
    }

    private func answer(_ error: any Error, request: HTTPRequest, requestID: String, route: String) -> HTTPResponse {
        if let mapped = APIError.mapping(error) {
            if mapped.status >= 500 {
                services.logger.warning("request failed", [
                    "request_id": requestID, "route": route, "code": String(mapped.code), "error": String(reflecting: error),
                    "client": services.clientAddress(of: request),
                ])
            }
            return Envelope.response(for: mapped)
        }
        services.logger.error("unhandled error", [
            "request_id": requestID, "route": route, "method": request.method, "error": String(reflecting: error),
            "client": services.clientAddress(of: request),
        ])
        return Envelope.response(for: .internalError)
    }
}
