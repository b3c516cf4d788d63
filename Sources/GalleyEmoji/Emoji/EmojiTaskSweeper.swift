public import GalleyCore
import GalleyPostgres
public import GalleyRedis
import GalleyStorage
import GalleyRuntime
import GalleyLedger

/// The last safety net for "every accepted task ends terminal": a `processing` task whose
/// lease lapsed long ago, and that no worker picked up since, has lost its stream entry
/// (acked by a worker that lost a race, or trimmed). The sweeper enqueues it again; the
/// processor's lease and terminal checks make a needless extra entry harmless.
public struct EmojiTaskSweeper: Sendable {
    public let store: EmojiTaskStore
    private let redis: RedisPool
    /// How long a lease must have lapsed: well above a reclaim by ``StreamConsumer``.
    public let idleFor: Duration
    public let interval: Duration
    private let logger: Logger

    public init(store: EmojiTaskStore, redis: RedisPool, idleFor: Duration, interval: Duration, logger: Logger) {
        self.store = store
        self.redis = redis
        self.idleFor = idleFor
        self.interval = interval
        self.logger = logger
    }

    /// For a worker configuration: three claim times or three leases, at least a minute.
    public init(store: EmojiTaskStore, redis: RedisPool, configuration: EmojiWorkerConfiguration, logger: Logger) {
        let idle = max(.seconds(60), configuration.claimMinIdle * 3, configuration.leaseDuration * 3)
        self.init(store: store, redis: redis, idleFor: idle, interval: max(.seconds(10), min(.seconds(60), idle / 4)), logger: logger)
    }

    /// Sweeps until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            do {
                let count = try await sweepOnce()
                if count > 0 { logger.warning("re-enqueued abandoned emoji tasks", ["count": String(count)]) }
            } catch {
                logger.warning("sweep failed", ["error": String(describing: error)])
            }
        }
    }

    /// Re-enqueues up to `limit` abandoned tasks; returns how many.
    @discardableResult
    public func sweepOnce(limit: Int = 100) async throws -> Int {
        var count = 0
        for task in try await store.abandoned(idleFor: idleFor, limit: limit) {
            guard try await store.markRequeued(taskID: task.id, idleFor: idleFor) else { continue }
            let fields: [(String, String)] = [
                ("task_id", String(task.id)), ("user_id", String(task.userID)), ("image_url", task.sourceImageURL),
                ("driven_id", task.drivenID), ("detect_result", task.detectResult.map(JSONWriter.string) ?? "null"),
            ]
            _ = try await redis.withConnection { connection in
                try connection.xadd(EmojiWorkerConfiguration.stream, maxLength: nil, fields: fields)
            }
            count += 1
        }
        return count
    }
}
