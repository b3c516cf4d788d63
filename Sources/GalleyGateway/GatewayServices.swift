import Foundation
package import GalleyCore
package import GalleyPostgres
package import GalleyRedis
package import GalleyStorage
package import GalleyRuntime
import GalleyLedger
package import GalleyEmoji
import GalleyWebhooks
package import GalleyPayments

/// The shared things every handler reaches through its ``RequestContext``: pools, ids,
/// the token signer, business config, storage, the face-detection provider and the
/// ledger. Built once by `main.swift` (and by tests with their own pools).
package final class GatewayServices: Sendable {
    let settings: Settings
    let postgres: PostgresPool
    let redis: RedisPool
    let ids: SnowflakeGenerator
    let signer: JWTSigner
    let config: BusinessConfigStore
    /// Nil when the configured backend could not be built: upload routes answer 500001.
    let storage: (any ObjectStorage)?
    /// The same store when it is the local backend, for the gateway's own storage routes.
    let localStorage: LocalObjectStorage?
    let provider: any EmojiProvider
    let ledger: Ledger
    let rateLimiter: RateLimiter
    package let outbox: OutboxPublisher
    /// Group commit for creates; nil when `CREATE_BATCH_SIZE` is 1.
    let createBatcher: CreateBatcher?
    let logger: Logger
    /// Nil when WeChat Pay is not configured: the pay routes answer 500501.
    let weChatPay: WeChatPayClient?
    /// A session per libmicrohttpd thread for the short reads answered there (`Route.lane`).
    package let lanes: PostgresLanes
    /// Tokens each lane verified lately.
    let laneTokens: LaneTokens

    package init(settings: Settings, postgres: PostgresPool, redis: RedisPool, ids: SnowflakeGenerator,
         config: BusinessConfigStore, storage: (any ObjectStorage)?, provider: any EmojiProvider,
         logger: Logger = Logger(label: "gateway"), weChatPay: WeChatPayClient? = nil) {
        self.settings = settings
        self.postgres = postgres
        self.redis = redis
        self.ids = ids
        self.signer = JWTSigner(secret: settings.auth.secretKey, previousSecrets: settings.auth.previousSecretKeys)
        self.config = config
        self.storage = storage
        self.localStorage = storage as? LocalObjectStorage
        self.provider = provider
        self.ledger = Ledger(nextID: { ids.next() })
        self.rateLimiter = RateLimiter(redis: redis, logger: logger)
        self.outbox = OutboxPublisher(redis: redis, logger: logger)
        // Two statements at once: one commits while the next gathers. More (four) measured a
        // p99 four times higher on 2 cores: concurrent statements wait on each other's row locks.
        self.createBatcher = settings.http.createBatchSize > 1
            ? CreateBatcher(pool: postgres, maxBatch: settings.http.createBatchSize, maxRunning: 2, logger: logger) : nil
        self.logger = logger
        self.weChatPay = weChatPay
        self.lanes = PostgresLanes(configuration: postgres.configuration, count: settings.http.threads, logger: logger)
        lanes.openAll()
        self.laneTokens = LaneTokens(lanes: settings.http.threads)
    }
}
