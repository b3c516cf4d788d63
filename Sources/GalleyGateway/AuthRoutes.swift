import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// `POST /auth/login` (device id → user, created on first sight with a zero points
/// account) and `POST /auth/refresh`.
enum AuthRoutes {
    static func register(in router: inout Router) {
        router.add("POST", "/api/v1/auth/login", lane: true, login)
        router.add("POST", "/api/v1/auth/refresh", lane: true, refresh)
    }

    @Sendable static func login(_ context: RequestContext) throws -> HTTPResponse {
        let services = context.services
        let limits = services.settings.rateLimits
        // On libmicrohttpd's thread, a first login (it writes) is found out before anything
        // is counted, so the handler thread that takes it over counts it once.
        var known: UserRecord?
        if context.onLane, let deviceID = try? deviceID(in: context.request) {
            known = try context.withReadConnection { try UserRecord.load(deviceID: deviceID, on: $0) }
            if known == nil { throw LaneFallback() }
        }
        try services.rateLimiter.check(.loginAddress, who: context.clientAddress, limit: limits.loginPerAddressPerMinute, now: context.now)
        let deviceID = try deviceID(in: context.request)
        try services.rateLimiter.check(.login, who: deviceID, limit: limits.loginPerMinute, now: context.now)

        // Most logins are of a known device: one read, no transaction.
        if let known = try known ?? context.withReadConnection({ try UserRecord.load(deviceID: deviceID, on: $0) }) {
            return Envelope.ok(tokenData(for: known, context: context))
        }
        // A new id per attempt: one minted by another process (the original's node 0) is retried.
        let user = try IDCollision.retrying { try services.postgres.withTransaction { connection -> UserRecord in
            let newID = services.ids.next()
            let inserted = try connection.query(
                """
                INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES ($1, $2, false, $3, $3)
                ON CONFLICT (device_id) DO NOTHING RETURNING id
                """, [newID, deviceID, context.now])
            let userID: Int64
            if inserted.first != nil {
                userID = newID
                try services.ledger.openAccount(userID: userID, on: connection)
            } else {
                // Someone else created it (maybe a concurrent first login that just committed).
                guard let row = try connection.query("SELECT id FROM users WHERE device_id = $1", [deviceID]).first else {
                    throw APIError.userNotFound
                }
                userID = try row.decode(Int64.self, "id")
            }
            guard let user = try UserRecord.load(id: userID, on: connection) else { throw APIError.userNotFound }
            return user
        } }
        return Envelope.ok(tokenData(for: user, context: context))
    }

    /// The body's `device_id`, validated (422000 otherwise); no side effect.
    private static func deviceID(in request: HTTPRequest) throws -> String {
        var body = try Validation.model(RequestBody.decode(request))
        let deviceID = body.string("device_id", minLength: 1, maxLength: 128)
        try body.finish()
        return deviceID
    }

    @Sendable static func refresh(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(tokenData(for: try context.user(), context: context))
    }

    /// `{"access_token","expires_in","user"}`: login and refresh answer the same shape.
    static func tokenData(for user: UserRecord, context: RequestContext) -> JSONValue {
        let lifetime = context.services.settings.auth.accessTokenLifetime.components.seconds
        let token = context.services.signer.sign(
            subject: String(user.id), expiresAt: context.now.addingTimeInterval(TimeInterval(lifetime)))
        return .object(JSONObject([
            ("access_token", .string(token)),
            ("expires_in", .int(Int64(lifetime))),
            ("user", user.profileJSON),
        ]))
    }
}
