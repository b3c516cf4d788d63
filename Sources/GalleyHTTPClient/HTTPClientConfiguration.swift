import GalleyCore

/// How much of the network one ``HTTPClient`` may use. Requests beyond the connection
/// limits wait inside libcurl (their deadline runs) for a connection to free up.
public struct HTTPClientConfiguration: Sendable {
    /// Open connections at most, all hosts together; also the size of the idle-connection cache.
    public var maxConnections: Int
    /// Open connections to one host at most.
    public var maxConnectionsPerHost: Int
    /// Longest wait for a TCP (and TLS) connection, within each request's own deadline.
    public var connectTimeout: Duration
    /// Idle easy handles kept for reuse; each is a few KB.
    public var idleHandles: Int

    public init(maxConnections: Int = 1024, maxConnectionsPerHost: Int = 512, connectTimeout: Duration = .seconds(10),
                idleHandles: Int = 256) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.connectTimeout = connectTimeout
        self.idleHandles = idleHandles
    }
}
