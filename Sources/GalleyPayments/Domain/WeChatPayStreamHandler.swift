public import GalleyCore
public import GalleyPostgres
public import GalleyRedis

/// The `wechatpay_notifications` stream handler (group `webhook_worker`): an entry names a
/// stored notification (`notification_id`); the applier does the rest in one transaction.
/// An entry naming nothing stored throws, so the consumer retries and then dead-letters it.
public struct WeChatPayStreamHandler: StreamHandler {
    public static let stream = "wechatpay_notifications"
    public let applier: WeChatPayApplier
    public let pool: PostgresPool
    public let metrics: WeChatPayMetrics
    private let logger: Logger

    public init(applier: WeChatPayApplier, pool: PostgresPool, metrics: WeChatPayMetrics, logger: Logger = Logger(label: "wechatpay")) {
        self.applier = applier
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
    }

    public func handle(_ entry: StreamEntry, deliveries: Int) async throws {
        guard let id = entry.fields["notification_id"], !id.isEmpty else {
            throw WeChatPayError(.invalidMessage, "stream entry \(entry.id) names no notification")
        }
        let outcome = try await applier.apply(notificationID: id, pool: pool)
        guard outcome.status != .notFound else { throw WeChatPayError(.invalidMessage, "notification \(id) is not stored") }
        metrics.record(outcome)
        if outcome.status == .flagged || outcome.status == .failed {
            logger.warning("WeChat Pay notification not credited", ["notification_id": id, "outcome": outcome.description])
        }
    }

    /// Marks the notification `failed` (unless applied after all): the sweep re-drives failed ones.
    public func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws {
        guard let id = entry.fields["notification_id"], !id.isEmpty else { return }
        _ = try await pool.withConnection { connection in
            try connection.execute(
                "UPDATE wechatpay_notifications SET status = 'failed', reason = $2, updated_at = now() WHERE notification_id = $1 AND status = 'received'",
                [id, "stream entry dead-lettered: \(reason)"])
        }
    }
}
