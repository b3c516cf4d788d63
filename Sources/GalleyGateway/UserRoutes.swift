import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks


/// `GET /user/profile` and `PUT /user/profile` (nickname only).
enum UserRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/user/profile", lane: true, profile)
        router.add("PUT", "/api/v1/user/profile", update)
    }

    @Sendable static func profile(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(try context.user().profileJSON)
    }

    /// As the original: `nickname` at most 64 characters as sent, then trimmed, and
    /// empty (or null, or absent: `{}`) clears it. Answers the profile.
    @Sendable static func update(_ context: RequestContext) throws -> HTTPResponse {
        let decoded = try RequestBody.decode(context.request)
        let userID = try context.authenticatedUserID()
        var body = try Validation.model(decoded)
        let raw = body.optionalString("nickname", maxLength: 64)
        try body.finish()
        var nickname = raw?.trimmingWhitespace()
        if nickname?.isEmpty ?? false { nickname = nil }
        let user = try context.services.postgres.withTransaction { connection -> UserRecord? in
            let updated = try connection.execute(
                "UPDATE users SET nickname = $2, updated_at = $3 WHERE id = $1", [userID, nickname, context.now])
            guard updated == 1 else { return nil }
            return try UserRecord.load(id: userID, on: connection)
        }
        // The token was good but its user is gone: the original's 401 for a vanished user.
        guard let user else { throw APIError.authenticatedUserGone }
        return Envelope.ok(user.profileJSON)
    }
}
