import Foundation
public import GalleyCore
import GalleyPostgres
public import GalleyRedis
import GalleyHTTP
import GalleyStorage

/// Every setting of the fleet, read once at start from the environment names of the
/// contract (the original's) plus Galley's own. Each setting's name, default, range and
/// doc line live once in ``SettingsTable``; this struct only holds the parsed values.
/// Each executable reads the parts it needs; defaults are safe for a local stack.
public struct Settings: Sendable {
    public enum Deployment: String, Sendable { case local, staging, production }

    public struct Database: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String
        public var database: String
        /// `DB_POOL_SIZE`, or 20 when unset (see ``Settings/postgresPoolSize(for:)``).
        public var poolSize: Int
        /// `DB_POOL_SIZE` as set; nil lets each executable size its own pool.
        public var explicitPoolSize: Int? = nil
    }

    public struct Redis: Sendable {
        public var host: String
        public var port: Int
        public var password: String?
        public var database: Int
        public var poolSize: Int
        /// `REDIS_CLUSTER_NODES` as `host:port` items; empty for one Redis.
        public var clusterNodes: [String] = []
        /// `REDIS_SENTINELS` and friends; nil: the fixed `host` and `port`.
        public var sentinel: RedisSentinelConfiguration? = nil
    }

    public struct Auth: Sendable {
        public var secretKey: String
        /// `SECRET_KEY_PREVIOUS`: keys that still verify tokens (never sign), for rotation.
        public var previousSecretKeys: [String] = []
        public var accessTokenLifetime: Duration
    }

    public struct Storage: Sendable {
        public enum Backend: String, Sendable { case local, s3, oss }
        public var backend: Backend
        public var localDirectory: String
        public var endpoint: String?
        public var bucket: String?
        public var accessKeyID: String?
        public var accessKeySecret: String?
        public var region: String
        public var uploadPrefix: String
        public var resultPrefix: String
        public var uploadExpiry: Duration
        public var publicBaseURL: String?
        /// `x-oss-object-acl` of every OSS upload (the original's `OSS_OBJECT_ACL`).
        public var objectACL: String
    }

    public struct DashScope: Sendable {
        public var baseURL: String
        public var apiKey: String?
        public var mock: Bool
        public var pollInterval: Duration
        public var pollTimeout: Duration
        /// Task submissions per second per API key, fleet-wide.
        public var submitRatePerSecond: Double
        /// Tasks one user may have in flight at the provider; 0 turns the cap off.
        public var userShare: Int = 4
    }

    public struct HTTP: Sendable {
        public var host: String
        public var port: Int
        public var threads: Int
        public var handlerThreads: Int
        public var connectionLimit: Int
        public var perIPConnectionLimit: Int
        public var timeout: Duration
        /// `FORWARDED_ALLOW_IPS`: peers whose `X-Forwarded-For` names the client (uvicorn's).
        public var forwardedAllowIPs: ForwardedAllowList
        /// Absolute deadlines for a request's head and body (slowloris).
        public var headDeadline: Duration
        public var bodyDeadline: Duration
        /// `INTERNAL_HOST`/`INTERNAL_PORT`: where the gateway serves `/metrics` and `/ready`
        /// instead of the API port; nil port keeps them on the API port.
        public var internalHost: String
        public var internalPort: Int?
        /// `CREATE_BATCH_SIZE`: creates committed together at most (group commit); 1 commits each alone.
        public var createBatchSize: Int = 64
    }

    /// Per device / per user, plus a generous per-address cap (docs/operations.md).
    public struct RateLimits: Sendable {
        public var loginPerMinute: Int
        public var loginPerAddressPerMinute: Int
        public var createPerMinute: Int
        /// Face detections (`/emoji/detect`, creates without boxes) per user per minute.
        public var detectPerMinute: Int
        /// `/emoji/upload` credentials per user per minute.
        public var uploadPerMinute: Int
    }

    public struct Workers: Sendable {
        public var emojiConsumer: String
        public var webhookConsumer: String
        public var emojiConcurrency: Int
        public var emojiMaxDeliveries: Int
        /// How long an entry may sit un-acked before another worker claims it. Live
        /// consumers heartbeat their entries, so this only has to exceed a heartbeat.
        public var emojiClaimIdle: Duration
        /// A task's database lease (renewed every third of it).
        public var emojiLease: Duration
        public var emojiReadBlock: Duration
        public var emojiSubmitAttempts: Int
        public var emojiMockDelay: Duration
        public var webhookConcurrency: Int
        public var applySandboxEvents: Bool
        /// `METRICS_PORT`; nil: the executable's own default (``GalleyExecutable/defaultMetricsPort``).
        public var metricsPort: Int?
        /// A `pending` task this old with no outbox row and no live entry is sent again.
        public var emojiReconcileAfter: Duration = .seconds(300)
        /// A `received` webhook event this old with no outbox row and no live entry is sent again.
        public var webhookReconcileAfter: Duration = .seconds(120)
        /// Submissions one EmojiWorker has sent and not yet stored the provider's task id of.
        public var emojiSubmitsInFlight: Int = 16
    }

    /// The default bound on submissions in flight: a quarter second of the submit rate, so a
    /// SIGKILL doubles at most that much and the bound never throttles the configured rate
    /// (16 at production's 1/s; 512 at most).
    static func submitsInFlight(forRate rate: Double) -> Int {
        guard rate.isFinite, rate > 0 else { return 16 }
        return max(16, min(512, Int((rate / 4).rounded(.up))))
    }

    public var deployment: Deployment
    public var database: Database
    public var redis: Redis
    public var auth: Auth
    public var snowflakeNodeID: Int?
    public var revenueCatWebhookSecret: String?
    public var storage: Storage
    public var dashScope: DashScope
    public var http: HTTP
    public var rateLimits: RateLimits
    /// `ADMIN_*`: the operator console (Settings+Console).
    public var console: Console
    public var workers: Workers
    public var corsOrigins: [String]
    public var configPath: String?
    public var logLevel: Logger.Level
    public var migrateOnStart: Bool
    public var shutdownDeadline: Duration
    /// `PROJECT_NAME`: the title of `/docs` and `/redoc`, as the original used it.
    public var projectName: String
    /// What the settings accept but an operator must hear about, each said once at start.
    public var warnings: [String] = []
    /// WeChat Pay API v3; nil when not configured (Settings+WeChatPay.swift).
    public var weChatPay: WeChatPay? = nil

    /// Secrets only some processes use: a worker must not refuse to start for want of
    /// the gateway's token key.
    public enum Secret: Sendable, Hashable {
        /// `SECRET_KEY`, which signs access tokens and upload URLs.
        case signingKey
        /// `REVENUECAT_WEBHOOK_SECRET`, which authenticates RevenueCat.
        case webhookSecret
    }

    /// Reads and validates everything; the first bad setting throws, naming itself.
    /// Outside `ENVIRONMENT=local`, the secrets in `requiring` must be set.
    public static func load(
        from environment: [String: String]? = nil, requiring: Set<Secret> = [.signingKey, .webhookSecret]
    ) throws(ConfigurationError) -> Settings {
        // The process environment over the `.env` files, as the original read them.
        let env = SettingsReader(environment: try EnvironmentReader(valuesOrProcess: environment))
        let deployment = Deployment(rawValue: try env.choice("ENVIRONMENT")) ?? .local
        let isLocal = deployment == .local

        let user = try env.required("POSTGRES_USER")
        let database = Database(
            host: try env.required("POSTGRES_SERVER"), port: try env.int("POSTGRES_PORT"), user: user,
            password: try env.text("POSTGRES_PASSWORD", computed: ""), database: try env.text("POSTGRES_DB", computed: ""),
            poolSize: try env.int("DB_POOL_SIZE", computed: 20), explicitPoolSize: try env.optionalInt("DB_POOL_SIZE"))

        var redis = Redis(
            host: try env.required("REDIS_HOST"), port: try env.int("REDIS_PORT"), password: try env.text("REDIS_PASSWORD"),
            database: try env.int("REDIS_DB"), poolSize: try env.int("REDIS_POOL_SIZE"))
        redis.clusterNodes = try redisClusterNodes(env, database: redis.database)
        redis.sentinel = try sentinelConfiguration(env)

        let keys = try signingKeys(env.environment, isLocal: isLocal, required: requiring.contains(.signingKey))
        let auth = Auth(secretKey: keys.current, previousSecretKeys: keys.previous,
                        accessTokenLifetime: try env.duration("ACCESS_TOKEN_EXPIRE_DAYS"))

        let givenWebhookSecret = try env.text("REVENUECAT_WEBHOOK_SECRET")
        // A published secret verifies nothing anyone cannot forge: in local it counts as unset
        // (the original's open local webhook), outside local exposureWarnings refuses it.
        let webhookSecret = givenWebhookSecret.flatMap { isLocal && isPublishedKey($0) ? nil : $0 }
        if webhookSecret == nil && !isLocal && requiring.contains(.webhookSecret) { throw .missing("REVENUECAT_WEBHOOK_SECRET") }

        let storage = Storage(
            backend: try Storage.Backend.selected(by: env.environment),
            localDirectory: try env.required("STORAGE_LOCAL_DIR"),
            endpoint: try env.text("OSS_ENDPOINT"), bucket: try env.text("OSS_BUCKET"),
            accessKeyID: try env.text("OSS_ACCESS_KEY_ID"), accessKeySecret: try env.text("OSS_ACCESS_KEY_SECRET"),
            region: try env.required("OSS_REGION"),
            uploadPrefix: try env.required("OSS_DIR_PREFIX").trimmingSlashes(),
            resultPrefix: try env.required("OSS_RESULT_PREFIX").trimmingSlashes(),
            uploadExpiry: try env.duration("OSS_UPLOAD_EXPIRE_SECONDS"),
            publicBaseURL: try env.text("OSS_PUBLIC_BASE_URL"),
            objectACL: try env.choice("OSS_OBJECT_ACL"))
        if storage.backend != .local {
            for name in ["OSS_ENDPOINT", "OSS_BUCKET", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"] where try env.text(name) == nil {
                throw .missing(name)
            }
        }
        let storageWarnings = try Storage.Backend.partialOSSWarnings(env.environment, isLocal: isLocal)

        let dashScope = DashScope(
            baseURL: try env.required("DASHSCOPE_BASE_URL"), apiKey: try env.text("DASHSCOPE_API_KEY"),
            // The original defaulted to mock mode; Galley keeps that only for local stacks.
            mock: try env.flag("ALIYUN_EMOJI_MOCK", computed: isLocal),
            pollInterval: try env.duration("EMOJI_POLL_INTERVAL_SECONDS"),
            pollTimeout: try env.duration("EMOJI_POLL_TIMEOUT_SECONDS"),
            submitRatePerSecond: try env.number("DASHSCOPE_SUBMIT_RATE"),
            userShare: try env.int("DASHSCOPE_USER_SHARE"))
        guard let scheme = URL(string: dashScope.baseURL)?.scheme, scheme == "http" || scheme == "https" else {
            throw .invalid("DASHSCOPE_BASE_URL", expected: "an http(s) URL")
        }

        let http = HTTP(
            host: try env.required("HOST"), port: try env.int("PORT"),
            threads: try env.int("HTTP_THREADS", computed: ProcessInfo.processInfo.activeProcessorCount),
            handlerThreads: try env.int("HTTP_WORKERS"), connectionLimit: try env.int("HTTP_CONNECTION_LIMIT"),
            perIPConnectionLimit: try env.int("HTTP_PER_IP_CONNECTION_LIMIT"), timeout: try env.duration("HTTP_TIMEOUT_SECONDS"),
            forwardedAllowIPs: ForwardedAllowList(parsing: try env.required("FORWARDED_ALLOW_IPS")),
            headDeadline: try env.duration("HTTP_HEAD_DEADLINE_SECONDS"),
            bodyDeadline: try env.duration("HTTP_BODY_DEADLINE_SECONDS"),
            internalHost: try env.text("INTERNAL_HOST", computed: try env.required("HOST")),
            internalPort: try env.optionalInt("INTERNAL_PORT"),
            createBatchSize: try env.int("CREATE_BATCH_SIZE"))

        let rateLimits = RateLimits(
            loginPerMinute: try env.int("RATE_LIMIT_LOGIN_PER_MINUTE"),
            loginPerAddressPerMinute: try env.int("RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE"),
            createPerMinute: try env.int("RATE_LIMIT_CREATE_PER_MINUTE"),
            detectPerMinute: try env.int("RATE_LIMIT_DETECT_PER_MINUTE"),
            uploadPerMinute: try env.int("RATE_LIMIT_UPLOAD_PER_MINUTE"))

        let hostName = ProcessInfo.processInfo.hostName
        let claimIdleSeconds = try env.duration("EMOJI_CLAIM_IDLE_SECONDS")
        let claimIdle = try env.optionalDuration("EMOJI_CLAIM_IDLE_MILLISECONDS") ?? claimIdleSeconds
        let workers = Workers(
            emojiConsumer: try env.text("EMOJI_WORKER_CONSUMER", computed: hostName),
            webhookConsumer: try env.text("WEBHOOK_WORKER_CONSUMER", computed: hostName),
            emojiConcurrency: try env.int("EMOJI_CONCURRENCY"),
            emojiMaxDeliveries: try env.int("EMOJI_MAX_DELIVERIES"),
            emojiClaimIdle: claimIdle,
            emojiLease: try env.duration("EMOJI_LEASE_SECONDS", computed: max(.seconds(1), claimIdle)),
            emojiReadBlock: try env.duration("EMOJI_READ_BLOCK_MILLISECONDS"),
            emojiSubmitAttempts: try env.int("EMOJI_SUBMIT_ATTEMPTS"),
            emojiMockDelay: try env.duration("EMOJI_MOCK_DELAY_SECONDS"),
            webhookConcurrency: try env.int("WEBHOOK_WORKER_CONCURRENCY"),
            applySandboxEvents: try env.flag("WEBHOOK_APPLY_SANDBOX"),
            metricsPort: try env.optionalInt("METRICS_PORT"),
            emojiReconcileAfter: try env.duration("EMOJI_RECONCILE_AFTER_SECONDS"),
            webhookReconcileAfter: try env.duration("WEBHOOK_RECONCILE_AFTER_SECONDS"),
            emojiSubmitsInFlight: try env.int("EMOJI_SUBMITS_IN_FLIGHT",
                                              computed: Self.submitsInFlight(forRate: dashScope.submitRatePerSecond)))

        // Any case, as before: the logger's own parser decides.
        guard let logLevel = Logger.Level(name: try env.required("LOG_LEVEL")) else {
            throw .invalid("LOG_LEVEL", expected: "debug, info, warning or error")
        }

        let warnings = try keys.warnings + storageWarnings + exposureWarnings(
            env.environment, isLocal: isLocal, host: http.host, webhookSecret: givenWebhookSecret,
            requiringWebhookSecret: requiring.contains(.webhookSecret))

        return Settings(
            deployment: deployment,
            database: database,
            redis: redis,
            auth: auth,
            snowflakeNodeID: try env.optionalInt("SNOWFLAKE_NODE_ID"),
            revenueCatWebhookSecret: webhookSecret,
            storage: storage,
            dashScope: dashScope,
            http: http,
            rateLimits: rateLimits,
            console: try Self.loadConsole(env, http: http),
            workers: workers,
            corsOrigins: try parseCORSOrigins(try env.text("BACKEND_CORS_ORIGINS")),
            configPath: try env.text("CONFIG_PATH"),
            logLevel: logLevel,
            migrateOnStart: try env.flag("MIGRATE_ON_START"),
            shutdownDeadline: try env.duration("SHUTDOWN_DEADLINE_SECONDS"),
            projectName: try env.required("PROJECT_NAME"),
            warnings: warnings,
            weChatPay: try weChatPay(env, isLocal: isLocal)
        )
    }

    /// A comma-separated list or a JSON array of origins, as the original accepted;
    /// trailing slashes dropped so they compare with the `Origin` header.
    static func parseCORSOrigins(_ text: String?) throws(ConfigurationError) -> [String] {
        guard let text else { return [] }
        var items: [String]
        if text.hasPrefix("[") {
            guard let array = (try? JSONParser.parse(text))?.arrayValue else {
                throw .invalid("BACKEND_CORS_ORIGINS", expected: "a comma-separated list or a JSON array of URLs")
            }
            items = array.compactMap(\.stringValue)
        } else {
            items = text.split(separator: ",").map { String($0).trimmingWhitespace() }
        }
        items = items.filter { !$0.isEmpty }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        for item in items where item != "*" && !(item.hasPrefix("http://") || item.hasPrefix("https://")) {
            throw .invalid("BACKEND_CORS_ORIGINS", expected: "a comma-separated list or a JSON array of URLs")
        }
        return items
    }
}
