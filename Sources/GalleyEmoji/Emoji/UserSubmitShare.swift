import Foundation
import GalleyCore
public import GalleyRedis

/// One user's share of the provider: at most `share` of their tasks submitted and
/// unfinished at once, fleet-wide, so one account's backlog cannot take every submit
/// slot. A Redis sorted set per user holds the task ids with an expiry score (a crashed
/// worker's reservation lapses instead of blocking the user for good); reserving is one
/// atomic script, idempotent per task (a re-delivered task keeps its place).
public final class UserSubmitShare: Sendable {
    /// Drops lapsed reservations; keeps or adds the task when it is in already or the user
    /// is under the share. 1 when the task may go on, 0 when it must wait.
    static let reserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local share = tonumber(ARGV[2])
        local ttl = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= share then
            return 0
        end
        redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ttl)
        return 1
        """

    public let share: Int
    /// How long a reservation lives without its task finishing: more than a generation
    /// may take from the reservation on (the poll timeout plus the submit's waits).
    public let reservation: Duration
    let redis: RedisPool

    public init(redis: RedisPool, share: Int, reservation: Duration) {
        self.redis = redis
        self.share = max(1, share)
        self.reservation = max(.seconds(1), reservation)
    }

    /// For a worker: the reservation outlives the poll timeout by two leases and a minute.
    public convenience init(redis: RedisPool, share: Int, configuration: EmojiWorkerConfiguration) {
        self.init(redis: redis, share: share,
                  reservation: configuration.pollTimeout + configuration.leaseDuration * 2 + .seconds(60))
    }

    static func key(userID: Int64) -> String { "galley:dashscope:user:\(userID)" }

    /// True when `taskID` may be submitted now (it holds one of its user's places).
    public func reserve(userID: Int64, taskID: Int64) async throws -> Bool {
        let key = UserSubmitShare.key(userID: userID)
        let args: [RedisArgument] = [.string(String(taskID)), .integer(Int64(share)), .integer(Int64(reservation.wholeMilliseconds))]
        let answer = try await redis.withConnection { connection in
            try connection.eval(UserSubmitShare.reserveScript, keys: [key], args: args).integerValue
        }
        return answer == 1
    }

    /// Gives the task's place back (it is terminal). Best effort: a reservation left
    /// behind lapses on its own.
    public func release(userID: Int64, taskID: Int64) async {
        let key = UserSubmitShare.key(userID: userID)
        _ = try? await redis.withConnection { connection in
            try connection.command(["ZREM", .string(key), .string(String(taskID))]).checked()
        }
    }
}
