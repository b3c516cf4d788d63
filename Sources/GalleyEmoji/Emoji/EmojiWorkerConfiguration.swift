import Foundation
import GalleyCore
import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime

/// Everything the emoji worker tunes, built from ``Settings``: every default and range
/// is `SettingsTable`'s (one source of truth), tests change fields after building it.
/// The few values here are not settings (the stream names, the backoff).
public struct EmojiWorkerConfiguration: Sendable {
    /// The contract's stream and group.
    public static let stream = "emoji_tasks"
    public static let group = "emoji_worker"

    /// The stream consumer name (`EMOJI_WORKER_CONSUMER`, default the host name).
    public var consumer: String
    /// Who holds a task's database lease: the consumer name plus a per-process token, so
    /// two processes started with the same consumer name never both submit one task.
    public var workerID: String
    public var concurrency: Int
    public var maxDeliveries: Int
    /// Entries idle this long belong to a dead consumer. The consumer's heartbeat keeps
    /// live entries fresh, so this only has to exceed a heartbeat, not a generation.
    public var claimMinIdle: Duration
    public var readBlock: Duration
    public var shutdownDeadline: Duration
    public var pollInterval: Duration
    /// Counted from the task's persisted `submitted_at`, so a restart does not reset it.
    public var pollTimeout: Duration
    /// How long a task's database lease lasts without renewal; renewed every third of it.
    public var leaseDuration: Duration
    /// Submit attempts (transient errors only) before the task fails and is refunded.
    public var submitAttempts: Int
    /// Submissions sent whose provider task id is not stored yet, at most: a SIGKILL
    /// resubmits exactly those on resume (DashScope takes no idempotency key).
    public var submitsInFlight: Int
    /// Attempts to store a finished video before the entry is left for a later delivery.
    public var storeAttempts: Int = 4
    public var backoff = Backoff()
    /// Provider submissions per second per API key, across the fleet.
    public var submitRatePerSecond: Double
    /// Tasks claimed but not yet submitted, at most: a quarter second of the submit rate,
    /// 8 to 512, never more than ``concurrency``. Pickups beyond it wait unclaimed.
    public var submitWindow: Int {
        max(1, min(concurrency, max(8, min(512, Int((submitRatePerSecond / 4).rounded(.up))))))
    }
    /// Tasks one user may have submitted and unfinished at the provider (0: no cap).
    public var userShare: Int
    /// How long a task over its user's share waits (without a slot) before it is tried again.
    public var shareRetry: Duration
    /// The stream the consumer reads and a deferred task is put back on.
    public var taskStream: String = EmojiWorkerConfiguration.stream
    /// Results go to `<resultPrefix>/<user id>/<task id>_<tag>.mp4`.
    public var resultPrefix: String
    /// Key of the result keys' tag (HMAC of the task id): a public bucket's videos cannot
    /// be found from guessed ids, and a redelivered task still writes the same key.
    /// Derived from `SECRET_KEY` (a local process without one has a random key).
    public var resultKeySecret: [UInt8]
    /// How long a generation takes with `ALIYUN_EMOJI_MOCK=true`.
    public var mockDelay: Duration
    /// The worker's `/metrics` and `/health` port.
    public var metricsPort: Int

    /// The worker's settings, all from `settings`; `consumer` defaults to
    /// `EMOJI_WORKER_CONSUMER` (the host name).
    public init(settings: Settings, consumer: String? = nil, workerID: String? = nil) {
        let consumer = consumer ?? settings.workers.emojiConsumer
        self.consumer = consumer
        self.workerID = workerID ?? EmojiWorkerConfiguration.makeWorkerID(consumer: consumer)
        concurrency = settings.workers.emojiConcurrency
        maxDeliveries = settings.workers.emojiMaxDeliveries
        claimMinIdle = settings.workers.emojiClaimIdle
        leaseDuration = settings.workers.emojiLease
        readBlock = settings.workers.emojiReadBlock
        submitAttempts = settings.workers.emojiSubmitAttempts
        submitsInFlight = settings.workers.emojiSubmitsInFlight
        shutdownDeadline = settings.shutdownDeadline
        pollInterval = settings.dashScope.pollInterval
        pollTimeout = settings.dashScope.pollTimeout
        submitRatePerSecond = settings.dashScope.submitRatePerSecond
        userShare = settings.dashScope.userShare
        shareRetry = max(.milliseconds(100), min(.seconds(5), settings.dashScope.pollInterval))
        resultPrefix = settings.storage.resultPrefix
        resultKeySecret = Crypto.hmacSHA256(key: Array(settings.auth.secretKey.utf8), data: "galley-result-keys")
        mockDelay = settings.workers.emojiMockDelay
        metricsPort = settings.workers.metricsPort ?? GalleyExecutable.emojiWorker.defaultMetricsPort ?? 0
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

    /// The worker's settings, all from ``Settings``.
    public static func load(settings: Settings) -> EmojiWorkerConfiguration {
        EmojiWorkerConfiguration(settings: settings)
    }
}
