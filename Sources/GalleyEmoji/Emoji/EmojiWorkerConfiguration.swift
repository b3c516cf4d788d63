import Foundation
import GalleyCore
import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime

/// Everything the emoji worker tunes, built once from ``Settings`` plus a few settings
/// of its own (sub-second claim times for tests, the lease length). Defaults suit
/// production: 64 tasks in flight, 15 s polls, 10-minute generations.
public struct EmojiWorkerConfiguration: Sendable {
    /// The contract's stream and group.
    public static let stream = "emoji_tasks"
    public static let group = "emoji_worker"

    /// The stream consumer name (`EMOJI_WORKER_CONSUMER`, default the host name).
    public var consumer: String
    /// Who holds a task's database lease: the consumer name plus a per-process token, so
    /// two processes started with the same consumer name never both submit one task.
    public var workerID: String
    public var concurrency: Int = 64
    public var maxDeliveries: Int = 5
    /// Entries idle this long belong to a dead consumer. The consumer's heartbeat keeps
    /// live entries fresh, so this only has to exceed a heartbeat, not a generation.
    public var claimMinIdle: Duration = .seconds(120)
    public var readBlock: Duration = .seconds(2)
    public var shutdownDeadline: Duration = .seconds(30)
    public var pollInterval: Duration = .seconds(15)
    /// Counted from the task's persisted `submitted_at`, so a restart does not reset it.
    public var pollTimeout: Duration = .seconds(600)
    /// How long a task's database lease lasts without renewal; renewed every third of it.
    public var leaseDuration: Duration = .seconds(120)
    /// Submit attempts (transient errors only) before the task fails and is refunded.
    public var submitAttempts: Int = 8
    /// Attempts to store a finished video before the entry is left for a later delivery.
    public var storeAttempts: Int = 4
    public var backoff = Backoff()
    /// Provider submissions per second per API key, across the fleet.
    public var submitRatePerSecond: Double = 1
    /// Tasks one user may have submitted and unfinished at the provider (0: no cap).
    public var userShare: Int = 4
    /// How long a task over its user's share waits (without a slot) before it is tried again.
    public var shareRetry: Duration = .seconds(5)
    /// The stream the consumer reads and a deferred task is put back on.
    public var taskStream: String = EmojiWorkerConfiguration.stream
    /// Results go to `<resultPrefix>/<user id>/<task id>_<tag>.mp4`.
    public var resultPrefix: String = "results"
    /// Key of the result keys' tag (HMAC of the task id): a public bucket's videos cannot
    /// be found from guessed ids, and a redelivered task still writes the same key.
    /// Derived from `SECRET_KEY` by ``load(settings:)``; random per process otherwise.
    public var resultKeySecret: [UInt8] = Crypto.randomBytes(32)
    /// How long a generation takes with `ALIYUN_EMOJI_MOCK=true`.
    public var mockDelay: Duration = .seconds(2)
    /// The worker's `/metrics` and `/health` port.
    public var metricsPort: Int = 9101

    public init(consumer: String, workerID: String? = nil) {
        self.consumer = consumer
        self.workerID = workerID ?? EmojiWorkerConfiguration.makeWorkerID(consumer: consumer)
    }

    /// `<consumer>/<pid>-<random>`: unique per process even when consumer names repeat.
    public static func makeWorkerID(consumer: String) -> String {
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(consumer.prefix(100))/\(ProcessInfo.processInfo.processIdentifier)-\(token)"
    }

    /// The shared stream consumer's settings for this worker.
    public var streamConsumer: StreamConsumerConfiguration {
        var config = StreamConsumerConfiguration(stream: taskStream, group: EmojiWorkerConfiguration.group, consumer: consumer)
        config.concurrency = concurrency
        config.maxDeliveries = maxDeliveries
        config.claimMinIdle = claimMinIdle
        config.heartbeatInterval = max(.milliseconds(50), claimMinIdle / 6)
        config.claimInterval = max(.milliseconds(50), min(.seconds(10), claimMinIdle / 2))
        config.readBlock = readBlock
        config.shutdownDeadline = shutdownDeadline
        return config
    }

    /// The worker's settings, all from ``Settings`` (their defaults and ranges live in
    /// `SettingsTable`, once).
    public static func load(settings: Settings) -> EmojiWorkerConfiguration {
        var config = EmojiWorkerConfiguration(consumer: settings.workers.emojiConsumer)
        config.concurrency = settings.workers.emojiConcurrency
        config.maxDeliveries = settings.workers.emojiMaxDeliveries
        config.claimMinIdle = settings.workers.emojiClaimIdle
        config.leaseDuration = settings.workers.emojiLease
        config.readBlock = settings.workers.emojiReadBlock
        config.submitAttempts = settings.workers.emojiSubmitAttempts
        config.shutdownDeadline = settings.shutdownDeadline
        config.pollInterval = settings.dashScope.pollInterval
        config.pollTimeout = settings.dashScope.pollTimeout
        config.submitRatePerSecond = settings.dashScope.submitRatePerSecond
        config.userShare = settings.dashScope.userShare
        config.shareRetry = max(.milliseconds(100), min(.seconds(5), settings.dashScope.pollInterval))
        config.resultPrefix = settings.storage.resultPrefix
        config.resultKeySecret = Crypto.hmacSHA256(key: Array(settings.auth.secretKey.utf8), data: "galley-result-keys")
        config.mockDelay = settings.workers.emojiMockDelay
        config.metricsPort = settings.workers.metricsPort ?? GalleyExecutable.emojiWorker.defaultMetricsPort ?? 9101
        return config
    }
}
