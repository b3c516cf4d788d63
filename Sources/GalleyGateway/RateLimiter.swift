import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// Fixed one-minute windows in Redis (`galley:ratelimit:<kind>:<who>:<minute>`, INCR and
/// EXPIRE in one pipeline), shared by every gateway process. Over the limit is 429000
/// with `Retry-After` = seconds to the window's end. If Redis is down the limiter lets
/// requests through and logs: a lost rate limit is better than a lost login.
///
/// Limits key on who acts (a device, a user), not on the address alone: a whole
/// population can share one proxy or NAT address (docs/operations.md).
struct RateLimiter: Sendable {
    enum Kind: String, Sendable {
        /// Logins of one `device_id`.
        case login
        /// Logins from one client address (a generous cap against a flood of new devices).
        case loginAddress = "login_address"
        /// Task creations of one user.
        case create
        /// Face detections of one user (`/emoji/detect`, creates without boxes): each holds a
        /// handler thread on DashScope for up to 20 s (issue 12).
        case detect
        /// `/emoji/upload` credentials of one user: each lets a client write to the bucket.
        case upload
        /// Failed operator console logins from one client address (issue 14).
        case adminLogin = "admin_login"
    }

    let redis: RedisPool
    let logger: Logger
    /// Keys live past their window so a late INCR still finds the count.
    let keyTTLSeconds = 120

    /// Counts this request; throws 429000 when it is over `limit` (0 = unlimited).
    func check(_ kind: Kind, who: String, limit: Int, now: Date) throws(APIError) {
        guard limit > 0 else { return }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let window = seconds / 60
        let key = "galley:ratelimit:\(kind.rawValue):\(who):\(window)"
        let count: Int64
        do {
            let replies = try redis.withConnection { connection in
                try connection.pipeline([["INCR", .string(key)], ["EXPIRE", .string(key), .integer(Int64(keyTTLSeconds))]])
            }
            guard let value = replies.first?.integerValue else {
                logger.warning("rate limiter got an unexpected reply; letting the request through", ["kind": kind.rawValue])
                return
            }
            count = value
        } catch {
            logger.warning("rate limiter unavailable; letting the request through",
                           ["kind": kind.rawValue, "error": String(describing: error)])
            return
        }
        if count > Int64(limit) {
            if count == Int64(limit) + 1 {  // once per window and key, not once per refused request
                logger.info("rate limit reached", ["kind": kind.rawValue, "who": who, "limit": String(limit)])
            }
            throw .tooManyRequests(retryAfter: Int((window + 1) * 60 - seconds))
        }
    }
}

extension RateLimiter {
    /// Seconds left in the window when `who` is at or over `limit` for `kind`; nil when it
    /// is under, the limit is off, or Redis cannot say (fail open, as ``check``). Counts nothing.
    func retryAfter(_ kind: Kind, who: String, limit: Int, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let window = seconds / 60
        let key = "galley:ratelimit:\(kind.rawValue):\(who):\(window)"
        guard let reply = try? redis.withConnection({ try $0.command(["GET", .string(key)]) }),
              let count = reply.stringValue.flatMap({ Int64($0) }), count >= Int64(limit) else { return nil }
        return Int((window + 1) * 60 - seconds)
    }
}

extension RequestContext {
    /// Counts one detection or upload credential of `userID` against its per-minute setting.
    func meter(_ kind: RateLimiter.Kind, userID: Int64) throws(APIError) {
        let limits = services.settings.rateLimits
        let limit = kind == .upload ? limits.uploadPerMinute : limits.detectPerMinute
        try services.rateLimiter.check(kind, who: String(userID), limit: limit, now: now)
    }
}
