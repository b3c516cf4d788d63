import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// The gateway's gauges that are read when `/metrics` renders: pool use, requests in
/// flight, process start time. Request counters and latencies live in ``RouteMetrics``.
enum GatewayMetrics {
    static func register(postgres: PostgresPool, redis: RedisPool, server: HTTPServer,
                         registry: MetricsRegistry = .shared) {
        registry.gauge("galley_process_start_time_seconds", help: "Unix time the process started.")
            .set(Date().timeIntervalSince1970)
        for state in ["in_use", "idle"] {
            registry.gauge("galley_db_pool_connections", help: "PostgreSQL pool sessions by state.",
                           labels: [("state", state)]) {
                let stats = postgres.stats
                return Double(state == "in_use" ? stats.inUse : stats.idle)
            }
            registry.gauge("galley_redis_pool_connections", help: "Redis pool connections by state.",
                           labels: [("state", state)]) {
                let stats = redis.stats
                return Double(state == "in_use" ? stats.inUse : stats.idle)
            }
        }
        registry.gauge("galley_http_requests_in_flight", help: "Requests received and not yet answered.") {
            Double(server.inFlight)
        }
    }
}
