import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyEmoji
import GalleyGateway

/// The gateway's routing in process, the way hummingbird's `TestingSetup.router` runs a
/// test body without a server: ``GatewayServices`` and ``GatewayResponder`` built on a
/// fresh migrated test database and the test Redis, and each request handed to the
/// responder directly (no process, no socket). End-to-end suites keep the real process.
package final class InProcessGateway: Sendable {
    package static let secretKey = "in-process-gateway-secret"

    package let database: TestDatabase
    package let postgres: PostgresPool
    package let redis: RedisPool
    package let services: GatewayServices
    package let responder: GatewayResponder

    /// Settings as the gateway reads them from `environment` on top of the test stack's;
    /// rate limits off unless `environment` sets them. Mock provider, no object storage.
    package init(redisDatabase: Int, environment: [String: String] = [:]) throws {
        var env: [String: String] = [
            "ENVIRONMENT": "local",
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort),
            "REDIS_DB": String(redisDatabase), "SECRET_KEY": InProcessGateway.secretKey,
            "RATE_LIMIT_LOGIN_PER_MINUTE": "0", "RATE_LIMIT_CREATE_PER_MINUTE": "0", "ALIYUN_EMOJI_MOCK": "true",
        ]
        for (name, value) in environment { env[name] = value }
        database = try TestDatabase()
        env["POSTGRES_DB"] = database.name
        let settings = try Settings.load(from: env)
        postgres = database.pool(size: 4)
        redis = RedisPool(configuration: .testStack(database: redisDatabase), size: 4)
        let ids = try SnowflakeGenerator(nodeID: Int.random(in: SnowflakeGenerator.nodeIDRange))
        services = GatewayServices(settings: settings, postgres: postgres, redis: redis, ids: ids,
                                   config: try BusinessConfigStore(path: nil), storage: nil, provider: MockEmojiProvider(),
                                   logger: Logger(label: "in-process-gateway"))
        responder = GatewayResponder(services: services)
    }

    /// Hands `request` to the responder on a plain thread (handlers block on libpq and
    /// hiredis, which must stay off the cooperative pool) and answers what it built.
    package func respond(to request: HTTPRequest) async throws -> GatewayHTTPResponse {
        let responder = self.responder
        let response = try await onThread { responder.respond(to: request) }
        return GatewayHTTPResponse(status: response.status, headers: response.headers, body: response.body)
    }

    /// Hands `request` to the responder as libmicrohttpd's thread number `lane` would
    /// (``GatewayResponder/respondInline(to:lane:)``); nil means it went to a handler thread.
    package func respondOnLane(to request: HTTPRequest, lane: Int = 0) async throws -> GatewayHTTPResponse? {
        let responder = self.responder
        let response = try await onThread { responder.respondInline(to: request, lane: lane) }
        return response.map { GatewayHTTPResponse(status: $0.status, headers: $0.headers, body: $0.body) }
    }

    /// Waits (up to 10 s) until lane `lane`'s session has opened, so a lane request is
    /// answered there unless the route or the read hands it over.
    package func waitForLane(_ lane: Int = 0) async throws {
        try await PostgresLanes.waitUntilOpen(services.lanes, lane: lane)
    }

    /// A request as a client would send it: JSON body (with its Content-Type) and a bearer token.
    package func request(_ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil,
                         headers: [(String, String)] = [], body: [UInt8] = []) async throws -> GatewayHTTPResponse {
        var fields = headers
        var payload = body
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if let json {
            payload = JSONWriter.bytes(json)
            fields.append(("Content-Type", "application/json"))
        }
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        return try await respond(to: HTTPRequest(method: method, path: parts[0], rawQuery: parts.count > 1 ? parts[1] : "",
                                                 headers: HTTPHeaders(fields), body: payload, remoteAddress: "127.0.0.1"))
    }

    /// Logs in a new device; answers the token and the user id.
    package func login(_ deviceID: String = TestEnvironment.uniqueName("device")) async throws -> (token: String, userID: Int64) {
        let response = try await request("POST", "/api/v1/auth/login", json: ["device_id": .string(deviceID)])
        guard response.status == 200, let token = response.data?["access_token"]?.stringValue,
              let id = response.data?["user"]?["id"]?.int64Value
        else { throw GatewayHTTPClient.ClientError(description: "login failed: \(response.status) \(response.text)") }
        return (token, id)
    }

    /// Stops the outbox publisher, closes the pools and drops the database.
    package func shutdown() {
        services.outbox.stop()
        services.lanes.close()
        redis.shutdown()
        postgres.close()
        database.drop()
    }
}

extension PostgresLanes {
    /// Polls `lane` until its session answers (it opens on a thread of its own).
    package static func waitUntilOpen(_ lanes: PostgresLanes, lane: Int, timeout: Duration = .seconds(10)) async throws {
        let end = ContinuousClock.now.advanced(by: timeout)
        while lanes.withConnection(lane: lane, { _ in true }) == nil {
            guard ContinuousClock.now < end else {
                throw GatewayHTTPClient.ClientError(description: "lane \(lane) did not open within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
