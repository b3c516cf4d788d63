import Foundation
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage

/// Every setting of the fleet, read once at start from the environment names of the
/// contract (the original's) plus Galley's own (docs/architecture.md). Each
/// executable reads the parts it needs; defaults are safe for a local stack.
public struct Settings: Sendable {
    public enum Deployment: String, Sendable { case local, staging, production }

    public struct Database: Sendable {
        public var host: String
        public var port: Int = 5432
        public var user: String
        public var password: String = ""
        public var database: String = ""
        public var poolSize: Int = 20
    }

    public struct Redis: Sendable {
        public var host: String = "localhost"
        public var port: Int = 6379
        public var password: String? = nil
        public var database: Int = 0
        public var poolSize: Int = 16
    }

    public struct Auth: Sendable {
        public var secretKey: String
        /// `SECRET_KEY_PREVIOUS`: keys that still verify tokens (never sign), for rotation.
        public var previousSecretKeys: [String] = []
        public var accessTokenExpireDays: Int = 7
    }

    public struct Storage: Sendable {
        public enum Backend: String, Sendable { case local, s3, oss }
        public var backend: Backend = .local
        public var localDirectory: String = ".local/objects"
        public var endpoint: String? = nil
        public var bucket: String? = nil
        public var accessKeyID: String? = nil
        public var accessKeySecret: String? = nil
        public var region: String = "us-east-1"
        public var uploadPrefix: String = "uploads"
        public var resultPrefix: String = "results"
        public var uploadExpireSeconds: Int = 60
        public var publicBaseURL: String? = nil
        /// `x-oss-object-acl` of every OSS upload (the original's `OSS_OBJECT_ACL`).
        public var objectACL: String = "public-read"
    }

    public struct DashScope: Sendable {
        public var baseURL: String = "https://dashscope.aliyuncs.com"
        public var apiKey: String? = nil
        public var mock: Bool = true
        public var pollIntervalSeconds: Double = 15
        public var pollTimeoutSeconds: Double = 600
        /// Task submissions per second per API key, fleet-wide.
        public var submitRatePerSecond: Double = 1
    }

    public struct HTTP: Sendable {
        public var host: String = "0.0.0.0"
        public var port: Int = 8000
        public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        public var handlerThreads: Int = 32
        public var connectionLimit: Int = 4096
        public var perIPConnectionLimit: Int = 256
        public var timeoutSeconds: Int = 30
        /// `FORWARDED_ALLOW_IPS`: peers whose `X-Forwarded-For` names the client (uvicorn's).
        public var forwardedAllowIPs: ForwardedAllowList = .default
        /// Absolute deadlines for a request's head and body (slowloris), in seconds.
        public var headDeadlineSeconds: Int = 30
        public var bodyDeadlineSeconds: Int = 300
        /// `INTERNAL_HOST`/`INTERNAL_PORT`: where the gateway serves `/metrics` and `/ready`
        /// instead of the API port; nil port keeps them on the API port.
        public var internalHost: String = "0.0.0.0"
        public var internalPort: Int? = nil
    }

    /// Per device / per user, plus a generous per-address cap (docs/operations.md).
    public struct RateLimits: Sendable {
        public var loginPerMinute: Int = 60
        public var loginPerAddressPerMinute: Int = 6000
        public var createPerMinute: Int = 30
        /// Face detections (`/emoji/detect`, creates without boxes) per user per minute.
        public var detectPerMinute: Int = 20
        /// `/emoji/upload` credentials per user per minute.
        public var uploadPerMinute: Int = 60
    }

    public struct Workers: Sendable {
        public var emojiConsumer: String
        public var webhookConsumer: String
        public var emojiConcurrency: Int = 64
        public var emojiMaxDeliveries: Int = 5
        /// How long an entry may sit un-acked before another worker claims it; above
        /// the longest generation a live worker may hold (poll timeout plus margin).
        public var emojiClaimIdleSeconds: Int
        public var webhookConcurrency: Int = 16
        public var applySandboxEvents: Bool
        public var metricsPort: Int?
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
    public var workers: Workers
    public var corsOrigins: [String]
    public var configPath: String?
    public var logLevel: Logger.Level
    public var migrateOnStart: Bool
    public var shutdownDeadlineSeconds: Int
    /// `PROJECT_NAME`: the title of `/docs` and `/redoc`, as the original used it.
    public var projectName: String = "AIPicAPP"

    /// What the settings accept but an operator must hear about, each said once at start.
    public var warnings: [String] = []

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
        let env = try EnvironmentReader(valuesOrProcess: environment)
        let deploymentName = try env.oneOf("ENVIRONMENT", ["local", "staging", "production"], default: "local")
        let deployment = Deployment(rawValue: deploymentName) ?? .local
        let isLocal = deployment == .local

        var database = Database(host: try env.required("POSTGRES_SERVER"), user: try env.required("POSTGRES_USER"))
        database.port = try env.int("POSTGRES_PORT", default: 5432, in: 1...65535)
        database.password = env.string("POSTGRES_PASSWORD", default: "")
        database.database = env.string("POSTGRES_DB", default: "")
        database.poolSize = try env.int("DB_POOL_SIZE", default: 20, in: 1...500)

        var redis = Redis()
        redis.host = env.string("REDIS_HOST", default: "localhost")
        redis.port = try env.int("REDIS_PORT", default: 6379, in: 1...65535)
        redis.password = env.string("REDIS_PASSWORD")
        redis.database = try env.int("REDIS_DB", default: 0, in: 0...15)
        redis.poolSize = try env.int("REDIS_POOL_SIZE", default: 16, in: 1...500)

        let keys = try signingKeys(env, isLocal: isLocal, required: requiring.contains(.signingKey))
        var auth = Auth(secretKey: keys.current)
        auth.previousSecretKeys = keys.previous
        auth.accessTokenExpireDays = try env.int("ACCESS_TOKEN_EXPIRE_DAYS", default: 7, in: 1...3650)

        let webhookSecret = env.string("REVENUECAT_WEBHOOK_SECRET")
        if webhookSecret == nil && !isLocal && requiring.contains(.webhookSecret) { throw .missing("REVENUECAT_WEBHOOK_SECRET") }

        var storage = Storage()
        storage.backend = try Storage.Backend.selected(by: env)
        storage.objectACL = try env.oneOf("OSS_OBJECT_ACL", OSSStorageConfiguration.objectACLs, default: storage.objectACL)
        storage.localDirectory = env.string("STORAGE_LOCAL_DIR", default: storage.localDirectory)
        storage.endpoint = env.string("OSS_ENDPOINT")
        storage.bucket = env.string("OSS_BUCKET")
        storage.accessKeyID = env.string("OSS_ACCESS_KEY_ID")
        storage.accessKeySecret = env.string("OSS_ACCESS_KEY_SECRET")
        storage.region = env.string("OSS_REGION", default: storage.region)
        storage.uploadPrefix = env.string("OSS_DIR_PREFIX", default: "uploads").trimmingSlashes()
        storage.resultPrefix = env.string("OSS_RESULT_PREFIX", default: "results").trimmingSlashes()
        storage.uploadExpireSeconds = try env.int("OSS_UPLOAD_EXPIRE_SECONDS", default: 60, in: 1...604_800)
        storage.publicBaseURL = env.string("OSS_PUBLIC_BASE_URL")
        if storage.backend != .local {
            for name in ["OSS_ENDPOINT", "OSS_BUCKET", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"] where env.string(name) == nil {
                throw .missing(name)
            }
        }

        var dashScope = DashScope()
        dashScope.baseURL = env.string("DASHSCOPE_BASE_URL", default: dashScope.baseURL)
        guard let scheme = URL(string: dashScope.baseURL)?.scheme, scheme == "http" || scheme == "https" else {
            throw .invalid("DASHSCOPE_BASE_URL", expected: "an http(s) URL")
        }
        dashScope.apiKey = env.string("DASHSCOPE_API_KEY")
        // The original defaulted to mock mode; Galley keeps that only for local stacks.
        dashScope.mock = try env.bool("ALIYUN_EMOJI_MOCK", default: isLocal)
        dashScope.pollIntervalSeconds = try env.double("EMOJI_POLL_INTERVAL_SECONDS", default: 15, in: 0.01...3600)
        dashScope.pollTimeoutSeconds = try env.double("EMOJI_POLL_TIMEOUT_SECONDS", default: 600, in: 1...86400)
        dashScope.submitRatePerSecond = try env.double("DASHSCOPE_SUBMIT_RATE", default: 1, in: 0.01...10000)

        var http = HTTP()
        http.host = env.string("HOST", default: http.host)
        http.port = try env.int("PORT", default: 8000, in: 0...65535)
        http.threads = try env.int("HTTP_THREADS", default: http.threads, in: 1...256)
        http.handlerThreads = try env.int("HTTP_WORKERS", default: 32, in: 1...1024)
        http.connectionLimit = try env.int("HTTP_CONNECTION_LIMIT", default: 4096, in: 1...1_000_000)
        http.perIPConnectionLimit = try env.int("HTTP_PER_IP_CONNECTION_LIMIT", default: 256, in: 0...1_000_000)
        http.timeoutSeconds = try env.int("HTTP_TIMEOUT_SECONDS", default: 30, in: 1...3600)
        http.forwardedAllowIPs = ForwardedAllowList(parsing: env.string("FORWARDED_ALLOW_IPS", default: "127.0.0.1"))
        http.headDeadlineSeconds = try env.int("HTTP_HEAD_DEADLINE_SECONDS", default: 30, in: 1...3600)
        http.bodyDeadlineSeconds = try env.int("HTTP_BODY_DEADLINE_SECONDS", default: 300, in: 1...86400)
        http.internalHost = env.string("INTERNAL_HOST", default: http.host)
        http.internalPort = try env.optionalInt("INTERNAL_PORT", in: 0...65535)

        var rateLimits = RateLimits()
        rateLimits.loginPerMinute = try env.int("RATE_LIMIT_LOGIN_PER_MINUTE", default: 60, in: 0...1_000_000)
        rateLimits.createPerMinute = try env.int("RATE_LIMIT_CREATE_PER_MINUTE", default: 30, in: 0...1_000_000)
        rateLimits.loginPerAddressPerMinute = try env.int("RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE", default: 6000, in: 0...1_000_000)
        rateLimits.detectPerMinute = try env.int("RATE_LIMIT_DETECT_PER_MINUTE", default: 20, in: 0...1_000_000)
        rateLimits.uploadPerMinute = try env.int("RATE_LIMIT_UPLOAD_PER_MINUTE", default: 60, in: 0...1_000_000)

        let hostName = ProcessInfo.processInfo.hostName
        let claimDefault = Int(dashScope.pollTimeoutSeconds) + 300
        let workers = Workers(
            emojiConsumer: env.string("EMOJI_WORKER_CONSUMER", default: hostName),
            webhookConsumer: env.string("WEBHOOK_WORKER_CONSUMER", default: hostName),
            emojiConcurrency: try env.int("EMOJI_CONCURRENCY", default: 64, in: 1...10_000),
            emojiMaxDeliveries: try env.int("EMOJI_MAX_DELIVERIES", default: 5, in: 1...1000),
            emojiClaimIdleSeconds: try env.int("EMOJI_CLAIM_IDLE_SECONDS", default: claimDefault, in: 1...604_800),
            webhookConcurrency: try env.int("WEBHOOK_WORKER_CONCURRENCY", default: 16, in: 1...1000),
            applySandboxEvents: try env.bool("WEBHOOK_APPLY_SANDBOX", default: true),
            metricsPort: try env.optionalInt("METRICS_PORT", in: 0...65535)
        )

        let levelName = env.string("LOG_LEVEL", default: "info")
        guard let logLevel = Logger.Level(name: levelName) else {
            throw .invalid("LOG_LEVEL", expected: "debug, info, warning or error")
        }

        let warnings = try keys.warnings + exposureWarnings(
            env, isLocal: isLocal, host: http.host, webhookSecret: webhookSecret,
            requiringWebhookSecret: requiring.contains(.webhookSecret))

        var settings = Settings(
            deployment: deployment,
            database: database,
            redis: redis,
            auth: auth,
            snowflakeNodeID: try env.optionalInt("SNOWFLAKE_NODE_ID", in: 0...1023),
            revenueCatWebhookSecret: webhookSecret,
            storage: storage,
            dashScope: dashScope,
            http: http,
            rateLimits: rateLimits,
            workers: workers,
            corsOrigins: try parseCORSOrigins(env.string("BACKEND_CORS_ORIGINS")),
            configPath: env.string("CONFIG_PATH"),
            logLevel: logLevel,
            migrateOnStart: try env.bool("MIGRATE_ON_START", default: true),
            shutdownDeadlineSeconds: try env.int("SHUTDOWN_DEADLINE_SECONDS", default: 30, in: 1...3600),
            warnings: warnings
        )
        settings.projectName = env.string("PROJECT_NAME", default: settings.projectName)
        return settings
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
