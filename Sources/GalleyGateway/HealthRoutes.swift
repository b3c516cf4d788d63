import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// Liveness (`/health`, no dependency calls, answered on libmicrohttpd's thread),
/// readiness (`/ready`: PostgreSQL and Redis), the original's `/utils/health-check/`
/// (a bare `true`, no envelope) and Prometheus' `/metrics`.
enum HealthRoutes {
    static func register(in router: inout Router) {
        for prefix in ["/api/v1", ""] {
            router.add("GET", prefix + "/health", inline: true, allowsHead: true, health)
            router.add("GET", prefix + "/ready", allowsHead: true, ready)
        }
        router.add("GET", "/api/v1/utils/health-check/", inline: true, healthCheck)
        router.add("GET", "/metrics", inline: true, allowsHead: true, metrics)
    }

    private static let healthBody = Envelope.successBody(["status": "ok"])

    @Sendable static func health(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: healthBody)
    }

    @Sendable static func healthCheck(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("true".utf8))
    }

    /// 200 when both answer, else 503000 naming the first that did not.
    @Sendable static func ready(_ context: RequestContext) throws -> HTTPResponse {
        do {
            _ = try context.services.postgres.withConnection { try $0.query("SELECT 1") }
        } catch {
            context.logger.warning("readiness: postgres unavailable", ["error": "\(error)"])
            throw APIError.serviceUnavailable("postgres")
        }
        do {
            _ = try context.services.redis.withConnection { try $0.checkedCommand(["PING"]) }
        } catch {
            context.logger.warning("readiness: redis unavailable", ["error": "\(error)"])
            throw APIError.serviceUnavailable("redis")
        }
        return Envelope.ok(["status": "ready", "postgres": "ok", "redis": "ok"])
    }

    @Sendable static func metrics(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, text: MetricsRegistry.shared.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
