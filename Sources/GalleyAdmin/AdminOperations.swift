import Foundation
import Synchronization
public import GalleyCore
public import GalleyPostgres
public import GalleyRedis
public import GalleyRuntime
import GalleyLedger

/// Every operator action, for the console and for `galleyctl` alike: neither has logic of
/// its own. Reads answer from indexed, keyset-paged queries; every mutation writes one
/// `admin_audit` row, in the same transaction as its change when the change is in
/// PostgreSQL (a Redis change is audited right after it succeeded).
///
/// All methods block (libpq and hiredis): call them from a handler thread, a thread of
/// their own, or a `BlockingExecutor`, never from the Swift concurrency pool.
public final class AdminOperations: Sendable {
    public let postgres: PostgresPool
    public let redis: RedisPool
    public let config: BusinessConfigStore
    /// `WEBHOOK_APPLY_SANDBOX`, for re-driving events exactly as the worker would.
    public let applySandboxEvents: Bool
    let logger: Logger
    private let idSource: @Sendable () throws -> SnowflakeGenerator
    private let generator = Mutex<SnowflakeGenerator?>(nil)
    /// The last hour's per-minute counts and when they were counted: finished minutes
    /// do not change, so a polled overview counts only the last two again (docs/console.md).
    let throughputCache = Mutex<(countedAt: Date, buckets: [AdminMinuteBucket])?>(nil)

    /// `ids` is asked for a Snowflake generator only when an action first needs ids (a
    /// ledger row, a retried task), so read-only use (the CLI's `status`) leases nothing.
    public init(postgres: PostgresPool, redis: RedisPool, config: BusinessConfigStore, applySandboxEvents: Bool,
                ids: @escaping @Sendable () throws -> SnowflakeGenerator, logger: Logger = Logger(label: "admin")) {
        self.postgres = postgres
        self.redis = redis
        self.config = config
        self.applySandboxEvents = applySandboxEvents
        self.idSource = ids
        self.logger = logger
    }

    /// The operations of a fleet process, from its runtime (settings, pools, config, lease).
    public convenience init(runtime: ProcessRuntime) throws {
        let config = try runtime.businessConfig()
        self.init(postgres: runtime.postgres, redis: runtime.redis, config: config,
                  applySandboxEvents: runtime.settings.workers.applySandboxEvents,
                  ids: { try runtime.snowflakeIDs() }, logger: runtime.logger)
    }

    /// The process's generator, leased on first use.
    func ids() throws -> SnowflakeGenerator {
        if let existing = generator.withLock({ $0 }) { return existing }
        let made = try idSource()
        return generator.withLock { current in
            if let current { return current }
            current = made
            return made
        }
    }

    func ledger() throws -> Ledger {
        let generator = try ids()
        return Ledger(nextID: { generator.next() })
    }
}
