import Foundation
import GalleyCore
import GalleyRedis

/// Per-user limits on the expensive routes (issue 12): a face detection holds a handler
/// thread on DashScope for up to 20 s, and upload credentials let a client write to the
/// bucket. Fixed one-minute windows in Redis shared by every gateway
/// (`galley:userlimit:<kind>:<user id>:<minute>`), like ``RateLimiter``; over the limit is
/// 429000 with `Retry-After`; 0 turns a limit off; Redis down lets requests through.
struct UserWorkLimiter: Sendable {
    enum Kind: String, Sendable {
        /// `/emoji/detect` and `/emoji/create` without boxes: both call the detector.
        case detect
        /// `/emoji/upload` credentials.
        case upload
    }

    let redis: RedisPool
    let logger: Logger

    func check(_ kind: Kind, userID: Int64, limit: Int, now: Date) throws(APIError) {
        guard limit > 0 else { return }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let window = seconds / 60
        let key = "galley:userlimit:\(kind.rawValue):\(userID):\(window)"
        let count: Int64
        do {
            let replies = try redis.withConnection { connection in
                try connection.pipeline([["INCR", .string(key)], ["EXPIRE", .string(key), .integer(120)]])
            }
            guard let value = replies.first?.integerValue else { return }
            count = value
        } catch {
            logger.warning("user limiter unavailable; letting the request through",
                           ["kind": kind.rawValue, "error": String(describing: error)])
            return
        }
        if count > Int64(limit) {
            throw .tooManyRequests(retryAfter: Int((window + 1) * 60 - seconds))
        }
    }
}

extension RequestContext {
    /// Counts one unit of `kind` for `userID` against its per-minute setting.
    func meter(_ kind: UserWorkLimiter.Kind, userID: Int64) throws(APIError) {
        let limits = services.settings.rateLimits
        let limit = kind == .detect ? limits.detectPerMinute : limits.uploadPerMinute
        try UserWorkLimiter(redis: services.redis, logger: services.logger).check(kind, userID: userID, limit: limit, now: now)
    }
}
