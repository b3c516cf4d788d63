import Foundation
import GalleyCore
import GalleyPostgres
public import GalleyRedis
import GalleyRuntime

/// DashScope's submit quota, shared by every worker that uses one API key: a reservation
/// in Redis (GCRA: the key holds the next free instant) hands each caller its own slot
/// `1/rate` after the previous one, and the caller sleeps until then (`Task.sleep`, no
/// thread held). One Redis call per submission, no polling.
///
/// Only about half a second's worth of slots per process is reserved at a time (the other
/// callers wait on a local gate), so a process that is stopped wastes at most that much
/// of the fleet's quota, while a high rate is not held back by Redis round trips.
public final class SubmitRateLimiter: Sendable {
    /// Reserves the next ARGV[2] slots (1 when absent): returns the microseconds to wait
    /// before using the first; the others follow one interval apart.
    static let reserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local count = tonumber(ARGV[2] or '1') or 1
        local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
        if tat < now then tat = now end
        local nexttat = tat + interval * count
        redis.call('SET', KEYS[1], string.format('%.0f', nexttat), 'PX', math.floor((nexttat - now) / 1000) + 1000)
        return tat - now
        """

    public let key: String
    public let ratePerSecond: Double
    private let redis: RedisPool
    private let gate: AsyncSemaphore
    /// Callers reserving at once share one script call (a burst of 10 000 pickups makes
    /// a few dozen round trips to Redis, not 10 000).
    private let reservations: StatementBatcher<Void, Int64>

    /// `galley:dashscope:submit:<16 hex of SHA-256(apiKey)>`: per key, never the key itself.
    public static func key(apiKey: String) -> String {
        "galley:dashscope:submit:" + Crypto.hex(Crypto.sha256(apiKey)).prefix(16)
    }

    /// `localReservations` defaults to half a second of slots (1 to 256).
    public init(redis: RedisPool, apiKey: String, ratePerSecond: Double, localReservations: Int? = nil) {
        self.redis = redis
        self.key = SubmitRateLimiter.key(apiKey: apiKey)
        self.ratePerSecond = max(0.001, ratePerSecond)
        let halfSecond = Int(min(256, (self.ratePerSecond / 2).rounded(.up)))
        let permits = max(1, localReservations ?? halfSecond)
        self.gate = AsyncSemaphore(permits: permits)
        let key = self.key
        let interval = Int64((1_000_000 / self.ratePerSecond).rounded())
        self.reservations = StatementBatcher(maxBatch: permits, maxRunning: 1) { [redis] callers in
            let first = try await redis.withConnection { connection in
                try connection.eval(SubmitRateLimiter.reserveScript, keys: [key],
                                    args: [.integer(interval), .integer(Int64(callers.count))]).integerValue
            } ?? 0
            return callers.indices.map { first + Int64($0) * interval }
        }
    }

    /// Returns when the caller may submit once. Throws `CancellationError` when cancelled
    /// while waiting, and Redis errors (the caller retries as for a transient failure).
    public func acquire() async throws {
        await gate.acquire()
        defer { gate.release() }
        try Task.checkCancellation()
        let micros = try await reservations.submit(())
        if micros > 0 {
            try await Task.sleep(for: .microseconds(micros))
        }
    }
}
