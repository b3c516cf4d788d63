import GalleyCore

/// Where and how to reach Redis. Built from `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD`,
/// `REDIS_DB` by the configuration layer; the defaults suit a local Redis.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Sent with `AUTH` after connecting when set (never logged).
    public var password: String?
    /// Selected with `SELECT` after connecting when not 0.
    public var database: Int
    /// Bounds the TCP connect, so a dead host fails fast instead of hanging a thread.
    public var connectTimeoutSeconds: Double
    /// The socket read/write timeout for every command; blocking reads raise it for their call.
    public var commandTimeoutSeconds: Double
    /// `REDIS_CLUSTER_NODES`: seeds of a Redis Cluster. When set, keyed commands go to the
    /// node serving their slot, keyless ones to any live node; `host`/`port` are unused.
    public var clusterNodes: [RedisClusterNode] = []
    /// When set, `host` and `port` are ignored: every connect asks this resolver (Sentinel)
    /// for the master. Shared by every copy of the configuration, so one pool resolves once.
    public var sentinel: RedisEndpointResolver?

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        password: String? = nil,
        database: Int = 0,
        connectTimeoutSeconds: Double = 2,
        commandTimeoutSeconds: Double = 5,
        sentinel: RedisEndpointResolver? = nil
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.commandTimeoutSeconds = commandTimeoutSeconds
        self.sentinel = sentinel
    }
}
