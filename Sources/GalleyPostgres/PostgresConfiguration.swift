import GalleyCore

/// Where and how to reach PostgreSQL. Built from the environment in `Config/`; the
/// defaults suit a local server.
public struct PostgresConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    /// Empty means "send none" (trust or peer authentication).
    public var password: String
    public var database: String
    /// libpq's `connect_timeout`; libpq treats values below 2 as 2.
    public var connectTimeoutSeconds: Int
    /// Shown in `pg_stat_activity`, so operators can tell the fleet's sessions apart.
    public var applicationName: String

    public init(
        host: String = "127.0.0.1",
        port: Int = 5432,
        user: String = "postgres",
        password: String = "",
        database: String = "postgres",
        connectTimeoutSeconds: Int = 5,
        applicationName: String = "galley"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }
}
