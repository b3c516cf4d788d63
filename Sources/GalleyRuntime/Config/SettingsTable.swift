/// Every setting of the fleet, once. Adding a setting is one entry here plus the line in
/// `Settings.load` that stores it; the default, range, doc line and readers come from here.
public enum SettingsTable {
    private static let all: Set<GalleyExecutable> = Set(GalleyExecutable.allCases)
    /// The processes that serve or run work (galleyctl, one-shot, neither binds nor migrates).
    private static let fleet: Set<GalleyExecutable> = all.subtracting([.galleyctl])
    private static let gateway: Set<GalleyExecutable> = [.apiGateway]
    private static let emoji: Set<GalleyExecutable> = [.emojiWorker]
    private static let webhook: Set<GalleyExecutable> = [.webhookWorker]
    private static let workers: Set<GalleyExecutable> = [.emojiWorker, .webhookWorker, .rewardWorker]
    private static let gatewayAndEmoji: Set<GalleyExecutable> = [.apiGateway, .emojiWorker]

    public static let definitions: [SettingDefinition] = [
        // Deployment and logging
        .init("ENVIRONMENT", .choice(["local", "staging", "production"]), default: "local",
              "Deployment; `local` (loopback HOST only) allows a random per-process SECRET_KEY and the mock provider.",
              readBy: all),
        .init("ENV_FILE", .text, computed: "`../.env` then `./.env` (the working directory's wins)",
              "The one `.env` file to read instead; the process environment always wins, empty values count as unset.",
              readBy: all),
        .init("PROJECT_NAME", .text, default: "AIPicAPP", "Title of the `/docs` and `/redoc` pages, as the original's.",
              readBy: gateway),
        .init("LOG_LEVEL", .choice(["debug", "info", "warning", "warn", "error"]), default: "info",
              "Lowest level logged (JSON lines on stdout); any case.", readBy: all),
        .init("CONFIG_PATH", .text, computed: "the built-in business config",
              "Business config JSON (prices, rewards, products); re-read when it changes.",
              readBy: [.apiGateway, .webhookWorker, .rewardWorker, .galleyctl]),
        .init("MIGRATE_ON_START", .flag, default: "true", "Bring the schema up to date before serving.", readBy: fleet),
        .init("SHUTDOWN_DEADLINE_SECONDS", .wholeSeconds(1...3600), default: "30",
              "After SIGTERM, how long work in flight may take before the process exits.", readBy: fleet),
        .init("SNOWFLAKE_NODE_ID", .integer(0...1023), computed: "any free id leased in Redis",
              "Preferred Snowflake node id; when another live process holds it, a free one is leased instead.", readBy: all),

        // PostgreSQL and Redis
        .init("POSTGRES_SERVER", .text, required: true, "PostgreSQL host.", readBy: all),
        .init("POSTGRES_PORT", .integer(1...65535), default: "5432", "PostgreSQL port.", readBy: all),
        .init("POSTGRES_USER", .text, required: true, "PostgreSQL user.", readBy: all),
        .init("POSTGRES_PASSWORD", .secret, default: "", "PostgreSQL password.", readBy: all),
        .init("POSTGRES_DB", .text, computed: "the user name", "PostgreSQL database.", readBy: all),
        .init("DB_POOL_SIZE", .integer(1...500), computed: "one per handler thread in the gateway, 20 in the workers",
              "PostgreSQL sessions per process (RewardWorker uses 2).", readBy: [.apiGateway, .emojiWorker, .webhookWorker]),
        .init("REDIS_HOST", .text, default: "localhost", "Redis host.", readBy: all),
        .init("REDIS_PORT", .integer(1...65535), default: "6379", "Redis port.", readBy: all),
        .init("REDIS_PASSWORD", .secret, "Redis password (AUTH).", readBy: all),
        .init("REDIS_DB", .integer(0...15), default: "0", "Redis database number.", readBy: all),
        .init("REDIS_CLUSTER_NODES", .text, computed: "none: one Redis at REDIS_HOST:REDIS_PORT",
              "Redis Cluster seeds, `host:port,host:port`; commands go to their key's slot (REDIS_DB must be 0).",
              readBy: all),
        .init("REDIS_POOL_SIZE", .integer(1...500), default: "16",
              "Redis connections per process (RewardWorker uses 2).", readBy: [.apiGateway, .emojiWorker, .webhookWorker]),
        .init("REDIS_SENTINELS", .text, computed: "none: REDIS_HOST and REDIS_PORT",
              "Sentinels as `host:port,host:port`; when set, every connection goes to the master they name (REDIS_HOST/PORT unused).",
              readBy: all),
        .init("REDIS_SENTINEL_MASTER", .text, default: "mymaster", "The master's name in the Sentinels' configuration.",
              readBy: all),
        .init("REDIS_SENTINEL_PASSWORD", .secret, "Password the Sentinels require (AUTH), if any; REDIS_PASSWORD is the data nodes'.",
              readBy: all),

        // Secrets and tokens
        .init("SECRET_KEY", .secret, computed: "a random key per process when ENVIRONMENT=local",
              "Signs access tokens and local upload URLs; required outside local by APIGateway; published placeholders refused.",
              readBy: gatewayAndEmoji),
        .init("SECRET_KEY_PREVIOUS", .secret, computed: "none",
              "Comma-separated former keys that still verify tokens (never sign): key rotation.", readBy: gatewayAndEmoji),
        .init("ACCESS_TOKEN_EXPIRE_DAYS", .days(1...3650), default: "7", "Access token lifetime.", readBy: gateway),
        .init("REVENUECAT_WEBHOOK_SECRET", .secret, computed: "required outside local",
              "Authorization RevenueCat sends with each webhook.", readBy: gateway),

        // HTTP server (gateway) and status server (workers)
        .init("HOST", .text, default: "0.0.0.0", "Address the HTTP (gateway) or status (workers) server binds.", readBy: fleet),
        .init("PORT", .integer(0...65535), default: "8000",
              "Gateway HTTP port (EmojiWorker: where the gateway serves local objects).", readBy: gatewayAndEmoji),
        .init("METRICS_PORT", .integer(0...65535), computed: "9101 EmojiWorker, 9102 WebhookWorker, 9103 RewardWorker",
              "Worker /health, /ready and /metrics port.", readBy: workers),
        .init("HTTP_THREADS", .integer(1...256), computed: "the number of cores",
              "libmicrohttpd threads (parse and write only).", readBy: gateway),
        .init("HTTP_WORKERS", .integer(1...1024), default: "32", "Handler threads running the routes.", readBy: gateway),
        .init("CREATE_BATCH_SIZE", .integer(1...1024), default: "64",
              "Concurrent `POST /emoji/create`s committed in one transaction at most (group commit); 1: each alone.",
              readBy: gateway),
        .init("HTTP_CONNECTION_LIMIT", .integer(1...1_000_000), default: "4096", "Open connections at most.", readBy: gateway),
        .init("HTTP_PER_IP_CONNECTION_LIMIT", .integer(0...1_000_000), default: "256",
              "Open connections per TCP peer address (0: no limit); trusted proxies (FORWARDED_ALLOW_IPS) are spared.", readBy: gateway),
        .init("HTTP_TIMEOUT_SECONDS", .wholeSeconds(1...3600), default: "30", "Idle connection timeout.", readBy: gateway),
        .init("HTTP_HEAD_DEADLINE_SECONDS", .wholeSeconds(1...3600), default: "30",
              "Absolute deadline for a request's head (slow senders).", readBy: gateway),
        .init("HTTP_BODY_DEADLINE_SECONDS", .wholeSeconds(1...86_400), default: "300",
              "Absolute deadline for a request's body (slow senders).", readBy: gateway),
        .init("INTERNAL_HOST", .text, computed: "HOST", "Address of the internal listener (INTERNAL_PORT).", readBy: gateway),
        .init("INTERNAL_PORT", .integer(0...65535), computed: "unset: /metrics and /ready on PORT",
              "When set, the gateway serves /metrics and /ready here only, not on PORT.", readBy: gateway),
        .init("ADMIN_PASSWORD", .secret, computed: "unset: no console",
              "When set, the gateway serves the operator console under /admin/ (HTTP Basic, user ADMIN_USERNAME).",
              readBy: gateway),
        .init("ADMIN_USERNAME", .text, default: "admin", "The operator console's user name.", readBy: gateway),
        .init("ADMIN_HOST", .text, computed: "INTERNAL_HOST when ADMIN_PORT equals INTERNAL_PORT, else HOST",
              "Address of the console's own listener (ADMIN_PORT).", readBy: gateway),
        .init("ADMIN_PORT", .integer(0...65535), computed: "unset: /admin/ on PORT",
              "When set, the console answers here only, not on PORT; equal to INTERNAL_PORT, it shares that listener.",
              readBy: gateway),
        .init("FORWARDED_ALLOW_IPS", .text, default: "127.0.0.1",
              "Peers whose X-Forwarded-For names the client (uvicorn's): addresses or CIDR, comma-separated, `*` for any.",
              readBy: gateway),
        .init("BACKEND_CORS_ORIGINS", .text, computed: "none",
              "Allowed browser origins: a comma-separated list or a JSON array.", readBy: gateway),
        .init("RATE_LIMIT_LOGIN_PER_MINUTE", .integer(0...1_000_000), default: "60",
              "Logins per minute of one device_id (0: no limit).", readBy: gateway),
        .init("RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE", .integer(0...1_000_000), default: "6000",
              "Logins per minute from one client address: generous, for many devices behind one NAT (0: no limit).",
              readBy: gateway),
        .init("RATE_LIMIT_CREATE_PER_MINUTE", .integer(0...1_000_000), default: "30",
              "Emoji creations per minute per user (0: no limit).", readBy: gateway),
        .init("RATE_LIMIT_DETECT_PER_MINUTE", .integer(0...1_000_000), default: "20",
              "Face detections per minute per user: /emoji/detect and creates without boxes (0: no limit).", readBy: gateway),
        .init("RATE_LIMIT_UPLOAD_PER_MINUTE", .integer(0...1_000_000), default: "60",
              "/emoji/upload credentials per minute per user (0: no limit).", readBy: gateway),
        .init("RATE_LIMIT_ADMIN_LOGIN_FAILURES_PER_MINUTE", .integer(0...1_000_000), default: "10",
              "Failed console logins per minute from one client address; past it every attempt waits for the next minute (0: no limit).",
              readBy: gateway),

        // Object storage
        .init("STORAGE_BACKEND", .choice(["local", "s3", "oss"]), computed: "oss when the four OSS_* are set, else local",
              "Where uploads and results live: a local directory, an S3-compatible bucket or Aliyun OSS. Unset with only some of the four OSS_* set: refused outside local.",
              readBy: gatewayAndEmoji),
        .init("STORAGE_LOCAL_DIR", .text, default: ".local/objects", "Directory of the local backend.", readBy: gatewayAndEmoji),
        .init("OSS_ENDPOINT", .text, "S3/OSS endpoint (https assumed without a scheme).", readBy: gatewayAndEmoji),
        .init("OSS_BUCKET", .text, "S3/OSS bucket.", readBy: gatewayAndEmoji),
        .init("OSS_ACCESS_KEY_ID", .text, "S3/OSS access key id.", readBy: gatewayAndEmoji),
        .init("OSS_ACCESS_KEY_SECRET", .secret, "S3/OSS access key secret.", readBy: gatewayAndEmoji),
        .init("OSS_OBJECT_ACL", .choice(["private", "public-read", "public-read-write", "default"]), default: "public-read",
              "`x-oss-object-acl` of every OSS upload, as the original wrote it.", readBy: gatewayAndEmoji),
        .init("OSS_REGION", .text, default: "us-east-1", "S3 signing region.", readBy: gatewayAndEmoji),
        .init("OSS_DIR_PREFIX", .text, default: "uploads", "Key prefix of uploads.", readBy: gatewayAndEmoji),
        .init("OSS_RESULT_PREFIX", .text, default: "results", "Key prefix of generated videos.", readBy: gatewayAndEmoji),
        .init("OSS_UPLOAD_EXPIRE_SECONDS", .wholeSeconds(1...604_800), default: "60",
              "Lifetime of an upload URL.", readBy: gatewayAndEmoji),
        .init("OSS_PUBLIC_BASE_URL", .text, computed: "the gateway's own address (local backend)",
              "Base of public object URLs.", readBy: gatewayAndEmoji),

        // The provider
        .init("DASHSCOPE_BASE_URL", .text, default: "https://dashscope.aliyuncs.com", "DashScope API base URL.",
              readBy: gatewayAndEmoji),
        .init("DASHSCOPE_API_KEY", .secret, computed: "required unless ALIYUN_EMOJI_MOCK=true", "DashScope API key.",
              readBy: gatewayAndEmoji),
        .init("ALIYUN_EMOJI_MOCK", .flag, computed: "true when ENVIRONMENT=local",
              "Fake the provider (sample video); for local demos only.", readBy: gatewayAndEmoji),
        .init("DASHSCOPE_SUBMIT_RATE", .number(0.01...10_000), default: "1",
              "Task submissions per second per API key, fleet-wide.", readBy: emoji),
        .init("DASHSCOPE_USER_SHARE", .integer(0...10_000), default: "4",
              "Tasks one user may have submitted and unfinished at the provider (0: no cap); more wait without holding a slot.",
              readBy: emoji),

        // EmojiWorker
        .init("EMOJI_WORKER_CONSUMER", .text, computed: "the host name", "Stream consumer name.", readBy: emoji),
        .init("EMOJI_CONCURRENCY", .integer(1...10_000), default: "64", "Generations in flight per process.", readBy: emoji),
        .init("EMOJI_MAX_DELIVERIES", .integer(1...1000), default: "5",
              "Deliveries of one stream entry before it is dead-lettered.", readBy: emoji),
        .init("EMOJI_POLL_INTERVAL_SECONDS", .seconds(0.01...3600), default: "15", "Provider poll interval.", readBy: emoji),
        .init("EMOJI_POLL_TIMEOUT_SECONDS", .seconds(1...86_400), default: "600",
              "A generation running longer fails and is refunded.", readBy: emoji),
        .init("EMOJI_CLAIM_IDLE_SECONDS", .wholeSeconds(1...604_800), default: "120",
              "An entry idle this long belongs to a dead consumer (live ones heartbeat every sixth of it).", readBy: emoji),
        .init("EMOJI_CLAIM_IDLE_MILLISECONDS", .milliseconds(10...604_800_000), computed: "unset",
              "Overrides EMOJI_CLAIM_IDLE_SECONDS below a second (tests).", readBy: emoji),
        .init("EMOJI_LEASE_SECONDS", .seconds(0.5...86_400), computed: "the claim idle time, at least 1 s",
              "A task's database lease; renewed every third of it.", readBy: emoji),
        .init("EMOJI_READ_BLOCK_MILLISECONDS", .milliseconds(10...60_000), default: "2000",
              "How long one stream read waits for new entries.", readBy: emoji),
        .init("EMOJI_SUBMIT_ATTEMPTS", .integer(1...100), default: "8",
              "Submit attempts on transient errors before the task fails.", readBy: emoji),
        .init("EMOJI_SUBMITS_IN_FLIGHT", .integer(1...10_000), computed: "a quarter second of DASHSCOPE_SUBMIT_RATE, 16 to 512",
              "Submissions per process sent and not yet stored: bounds the images a SIGKILL can have submitted twice.",
              readBy: emoji),
        .init("EMOJI_MOCK_DELAY_SECONDS", .seconds(0...3600), default: "2",
              "How long a generation takes with ALIYUN_EMOJI_MOCK=true.", readBy: emoji),
        .init("EMOJI_RECONCILE_AFTER_SECONDS", .seconds(0.1...86_400), default: "300",
              "A `pending` task this old with no outbox row and no live stream entry is sent again (keep it above EMOJI_CLAIM_IDLE_SECONDS).",
              readBy: emoji),

        // WebhookWorker
        .init("WEBHOOK_WORKER_CONSUMER", .text, computed: "the host name", "Stream consumer name.", readBy: webhook),
        .init("WEBHOOK_WORKER_CONCURRENCY", .integer(1...1000), default: "256",
              "Stream entries in flight at once; RevenueCat events are applied in batches of up to 128 of them.", readBy: webhook),
        .init("WEBHOOK_APPLY_SANDBOX", .flag, default: "true",
              "Apply RevenueCat sandbox events (App Review buys in the sandbox), as the original did.",
              readBy: [.webhookWorker, .galleyctl]),
        .init("WEBHOOK_RECONCILE_AFTER_SECONDS", .seconds(0.1...86_400), default: "120",
              "A stored `received` event this old with no outbox row and no live stream entry is sent again.",
              readBy: webhook),
    ] + weChatPayDefinitions

    /// The definition of `name`, if the table has one.
    public static func definition(_ name: String) -> SettingDefinition? { byName[name] }

    private static let byName: [String: SettingDefinition] =
        Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The settings `executable` reads, in table order.
    public static func definitions(readBy executable: GalleyExecutable) -> [SettingDefinition] {
        definitions.filter { $0.readBy.contains(executable) }
    }
}
