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
        router.add("GET", "/api/v1/user/profile", profile)
        router.add("PUT", "/api/v1/user/profile", update)
    }

    @Sendable static func profile(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(try context.user().profileJSON)
    }

    /// The nickname is trimmed; an empty one (or null) clears it. At most 64 characters.
    /// A body without `nickname` changes nothing and answers the profile.
    @Sendable static func update(_ context: RequestContext) throws -> HTTPResponse {
        let userID = try context.authenticatedUserID()
        var body = try Validation.body(of: context.request)
        let raw = body.optionalString("nickname", maxLength: 4096)
        try body.finish()
        guard body.has("nickname") else { return try profile(context) }
        var nickname = raw?.trimmingWhitespace()
        if nickname?.isEmpty ?? false { nickname = nil }
        if let nickname, nickname.unicodeScalars.count > 64 {
            throw APIError.validation([ValidationIssue(
                type: "string_too_long", loc: ["body", "nickname"], msg: "String should have at most 64 characters",
                ctx: ["max_length": 64])])
        }
        let user = try context.services.postgres.withTransaction { connection -> UserRecord? in
            let updated = try connection.execute(
                "UPDATE users SET nickname = $2, updated_at = $3 WHERE id = $1", [userID, nickname, context.now])
            guard updated == 1 else { return nil }
            return try UserRecord.load(id: userID, on: connection)
        }
        // The token was good but its user is gone: the original's 401 for a vanished user.
        guard let user else { throw APIError.notAuthenticated }
        return Envelope.ok(user.profileJSON)
    }
}
