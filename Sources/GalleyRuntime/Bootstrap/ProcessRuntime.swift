import Foundation
import Synchronization
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
import GalleyHTTP
public import GalleyStorage

/// What an executable's service builder gets from the bootstrap: the parsed command,
/// the settings, the pools, the service group, and the shared steps every process
/// takes the same way (the Snowflake lease, storage, business config, status server).
public final class ProcessRuntime: Sendable {
    public let executable: GalleyExecutable
    public let invocation: Invocation
    public let settings: Settings
    public let logger: Logger
    public let postgres: PostgresPool
    public let redis: RedisPool
    public let group: ServiceGroup
    private let lease = Mutex<SnowflakeNodeLease?>(nil)

    package init(executable: GalleyExecutable, invocation: Invocation, settings: Settings, logger: Logger,
                 postgres: PostgresPool, redis: RedisPool, group: ServiceGroup) {
        self.executable = executable
        self.invocation = invocation
        self.settings = settings
        self.logger = logger
        self.postgres = postgres
        self.redis = redis
        self.group = group
    }

    /// The lease taken by ``snowflakeIDs()``, if any.
    public var snowflakeLease: SnowflakeNodeLease? { lease.withLock { $0 } }

    /// Leases a Snowflake node id (`SNOWFLAKE_NODE_ID`, or any free one) and answers its
    /// generator. If another process takes the id over, this one exits at once with 75:
    /// minting on would make duplicate ids, and work in flight is transactional or stays
    /// pending in its stream for another process. Redis unreachable is a dependency
    /// unavailable at start (69) for every process: no id is ever minted without a lease.
    public func snowflakeIDs() throws -> SnowflakeGenerator {
        let logger = self.logger
        let name = executable.rawValue
        do {
            let leased = try SnowflakeNodeLease.acquire(
                pool: redis, nodeID: settings.snowflakeNodeID, logger: Logger(label: "snowflake")) { nodeID in
                logger.error("snowflake node id taken over by another process; exiting", ["node_id": String(nodeID)])
                ProcessBootstrap.writeError(name, "SNOWFLAKE_NODE_ID \(nodeID) was taken over by another process")
                exit(ExitCode.temporaryFailure.rawValue)
            }
            lease.withLock { $0 = leased }
            return try leased.makeGenerator()
        } catch {
            throw ProcessFailure.classify(error, during: "leasing a Snowflake node id")
        }
    }

    /// The configured object storage (one signing-key and one public-URL derivation).
    public func objectStorage() throws -> any ObjectStorage {
        do {
            return try settings.makeObjectStorage(fileExecutor: BlockingExecutor(name: "storage-files", threads: 2))
        } catch {
            throw ProcessFailure(.configuration, "object storage cannot be set up: \(error)", underlying: error)
        }
    }

    /// `CONFIG_PATH`, loaded now (an invalid file is a configuration error) and re-read when it changes.
    public func businessConfig() throws -> BusinessConfigStore {
        do {
            return try BusinessConfigStore(path: settings.configPath)
        } catch {
            throw ProcessFailure.classify(error, during: "reading CONFIG_PATH")
        }
    }

    /// A worker's `/health`, `/ready` (503 once stopping) and `/metrics` on `METRICS_PORT`.
    public func statusServer(registry: MetricsRegistry = .shared) -> HTTPServerService {
        let port = settings.workers.metricsPort ?? executable.defaultMetricsPort ?? 0
        let group = self.group
        let logger = self.logger
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: settings.http.host, port: port, threads: 1, handlerThreads: 1,
                                                   connectionLimit: 64),
            responder: WorkerStatusResponder(registry: registry, isStopping: { group.isStopping }),
            logger: Logger(label: "status-http"))
        return HTTPServerService("status server (METRICS_PORT)", server: server, drainDeadline: .seconds(1)) { server in
            logger.info("status server listening", ["metrics_port": String(server.port)])
        }
    }

    /// Brings the schema up to date.
    public func migrate() throws {
        do {
            _ = try MigrationRunner.migrate(pool: postgres, logger: Logger(label: "migrations"))
        } catch {
            throw ProcessFailure.classify(error, during: "migrations")
        }
    }
}
