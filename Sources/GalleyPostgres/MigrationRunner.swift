public import GalleyCore

/// Applies pending migrations under a session advisory lock, so that several processes
/// starting at once apply each migration exactly once, and so that the original PicKitchen
/// backend can keep serving the same database meanwhile.
///
/// A migration is applied step by step (``MigrationStep``): each transactional step runs
/// under the migration's short `lock_timeout` and is rolled back and retried with backoff
/// when its lock is not granted in time, so a write of the original never waits on a
/// migration for longer than that timeout; `CREATE INDEX CONCURRENTLY` steps run outside a
/// transaction. The migration is recorded once all its steps have run; every step is
/// re-runnable, so a crash half-way is finished by the next start.
public enum MigrationRunner {
    /// `pg_advisory_lock` key: the ASCII bytes of "galley". Advisory locks are per database.
    public static let lockKey: Int64 = 0x67_61_6C_6C_65_79

    /// How patiently a step waits for its locks.
    public struct Options: Sendable {
        /// Tries per step before the migration stops (one line, nothing of that step applied).
        public var maxAttempts: Int
        /// The wait before the second try; doubled after each failed try, up to `maxBackoff`.
        public var firstBackoff: Duration
        public var maxBackoff: Duration
        /// `lock_timeout` of concurrent index builds: their lock blocks no read or write, but
        /// they wait for transactions already running, which a short timeout would abort.
        public var concurrentLockTimeout: Duration

        public init(maxAttempts: Int = 8, firstBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(8),
                    concurrentLockTimeout: Duration = .seconds(60)) {
            self.maxAttempts = max(1, maxAttempts)
            self.firstBackoff = firstBackoff
            self.maxBackoff = maxBackoff
            self.concurrentLockTimeout = concurrentLockTimeout
        }
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS galley_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Brings the database up to date; answers the versions it applied (empty when none).
    @discardableResult
    public static func migrate(connection: PostgresConnection, migrations: [Migration],
                               options: Options = Options(), logger: Logger) throws -> [Int] {
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version >= later.version {
            throw MigrationError.unordered.with(version: later.version)
        }
        try takeLock(connection)
        defer {
            do {
                try connection.query("SELECT pg_advisory_unlock($1)", [lockKey])
            } catch {
                // Ending the session releases it anyway.
                logger.warning("could not release the migration lock", ["error": "\(error)"])
            }
        }
        // Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide.
        try connection.simpleQuery(createTable)
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM galley_migrations") {
            applied[try row.decode(Int.self, "version")] = try row.decode(String.self, "checksum")
        }
        let known = Set(migrations.map(\.version))
        for version in applied.keys.sorted() where !known.contains(version) {
            logger.warning("database has a migration this build does not know", ["version": String(version)])
        }
        var done: [Int] = []
        for migration in migrations {
            let checksum = migration.checksum
            if let recorded = applied[migration.version] {
                guard recorded == checksum || migration.formerChecksums.contains(recorded) else {
                    throw MigrationError.checksumMismatch.with(version: migration.version)
                }
                continue
            }
            for (offset, step) in migration.steps.enumerated() {
                try run(step, number: offset + 1, of: migration, connection: connection, options: options, logger: logger)
            }
            try connection.execute(
                "INSERT INTO galley_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                [migration.version, migration.name, checksum])
            logger.info("applied migration", ["version": String(migration.version), "name": migration.name])
            done.append(migration.version)
        }
        return done
    }

    /// Takes the migration lock by polling `pg_try_advisory_lock`, never by waiting in
    /// `pg_advisory_lock`: a runner blocked in that statement keeps a snapshot open, which a
    /// `CREATE INDEX CONCURRENTLY` of the lock holder waits for (a deadlock PostgreSQL breaks
    /// by aborting one of them).
    static func takeLock(_ connection: PostgresConnection) throws {
        while try connection.query("SELECT pg_try_advisory_lock($1)", [lockKey]).first?.decode(Bool.self, at: 0) != true {
            try connection.query("SELECT pg_sleep(0.05)")
        }
    }

    /// One step, retried while it times out on a lock (or is chosen as a deadlock victim).
    static func run(_ step: MigrationStep, number: Int, of migration: Migration, connection: PostgresConnection,
                    options: Options, logger: Logger) throws {
        let timeout = step.kind == .concurrently ? max(migration.lockTimeout, options.concurrentLockTimeout) : migration.lockTimeout
        var backoff = options.firstBackoff
        for attempt in 1...options.maxAttempts {
            do {
                try runOnce(step, lockTimeout: timeout, connection: connection)
                return
            } catch let error as PostgresError where error.sqlState == "55P03" || error.sqlState == "40P01" {
                guard attempt < options.maxAttempts else {
                    throw MigrationError.lockTimeout.with(
                        version: migration.version, step: number,
                        detail: "lock_timeout \(milliseconds(timeout)) ms, \(attempt) tries")
                }
                logger.warning("migration step waited too long for a lock; rolled back, retrying", [
                    "version": String(migration.version), "step": String(number), "attempt": String(attempt),
                    "lock_timeout_ms": String(milliseconds(timeout)),
                ])
                try connection.query("SELECT pg_sleep($1::float8 / 1000)", [milliseconds(backoff)])
                backoff = min(backoff * 2, options.maxBackoff)
            } catch let error as MigrationError {
                throw error.with(version: migration.version, step: number, detail: error.detail)
            } catch let error as PostgresError {
                throw MigrationError.stepFailed.with(version: migration.version, step: number, detail: error.description)
            }
        }
    }

    private static func runOnce(_ step: MigrationStep, lockTimeout: Duration, connection: PostgresConnection) throws {
        let setTimeout = "SET lock_timeout = '\(milliseconds(lockTimeout))ms'"
        switch step.kind {
        case .transaction:
            try connection.transaction { connection in
                try connection.simpleQuery(setTimeout.replacingFirst("SET", with: "SET LOCAL"))
                try connection.simpleQuery(step.sql)
            }
        case .check:
            let answer = try connection.simpleQuery(step.sql)
            if let row = answer.first {
                throw MigrationError.checkFailed.with(version: 0, detail: try row.decode(String?.self, at: 0) ?? "a check failed")
            }
        case .concurrently:
            try connection.simpleQuery(setTimeout)
            defer { _ = try? connection.simpleQuery("RESET lock_timeout") }
            let index = step.concurrentIndexName
            if let index { try dropInvalidIndex(index, connection: connection) }
            do {
                try connection.simpleQuery(step.sql)
            } catch {
                // A failed build leaves an INVALID index that writes still maintain (and a
                // unique one still enforces): drop it now, not only on the next try.
                if let index { try? dropInvalidIndex(index, connection: connection) }
                throw error
            }
        }
    }

    /// Drops `name` when it is an index a concurrent build left INVALID (crash, timeout, duplicates).
    static func dropInvalidIndex(_ name: String, connection: PostgresConnection) throws {
        let invalid = try connection.query(
            """
            SELECT NOT i.indisvalid AS invalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
            """, [name]
        ).first.map { try $0.decode(Bool.self, "invalid") } ?? false
        guard invalid else { return }
        try connection.simpleQuery("DROP INDEX CONCURRENTLY IF EXISTS \"\(name.replacingAll("\"", with: "\"\""))\"")
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// ``migrate(connection:migrations:options:logger:)`` on one of the pool's sessions (blocking).
    @discardableResult
    public static func migrate(pool: PostgresPool, migrations: [Migration], options: Options = Options(),
                               logger: Logger) throws -> [Int] {
        try pool.withConnection { connection in
            try migrate(connection: connection, migrations: migrations, options: options, logger: logger)
        }
    }

    /// ``migrate(connection:migrations:options:logger:)`` on one of the pool's threads.
    @discardableResult
    public static func migrate(pool: PostgresPool, migrations: [Migration], options: Options = Options(),
                               logger: Logger) async throws -> [Int] {
        try await pool.withConnection { connection in
            try migrate(connection: connection, migrations: migrations, options: options, logger: logger)
        }
    }
}

private extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard hasPrefix(target) else { return self }
        return replacement + dropFirst(target.count)
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
