public import GalleyCore

/// Applies pending migrations, each in its own transaction, under a session advisory lock
/// so that several processes starting at once apply each migration exactly once.
public enum MigrationRunner {
    /// `pg_advisory_lock` key: the ASCII bytes of "galley". Advisory locks are per database.
    public static let lockKey: Int64 = 0x67_61_6C_6C_65_79

    static let createTable = """
        CREATE TABLE IF NOT EXISTS galley_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Brings the database up to date; answers the versions it applied (empty when none).
    /// Migrations run inside a transaction, so they must not use `CREATE INDEX CONCURRENTLY`.
    @discardableResult
    public static func migrate(connection: PostgresConnection, migrations: [Migration],
                               logger: Logger) throws -> [Int] {
        for (earlier, later) in zip(migrations, migrations.dropFirst()) where earlier.version >= later.version {
            throw MigrationError.unordered.with(version: later.version)
        }
        try connection.query("SELECT pg_advisory_lock($1)", [lockKey])
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
                guard recorded == checksum else { throw MigrationError.checksumMismatch.with(version: migration.version) }
                continue
            }
            try connection.transaction { connection in
                try connection.simpleQuery(migration.sql)
                try connection.execute(
                    "INSERT INTO galley_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, checksum]
                )
            }
            logger.info("applied migration", ["version": String(migration.version), "name": migration.name])
            done.append(migration.version)
        }
        return done
    }

    /// ``migrate(connection:migrations:logger:)`` on one of the pool's sessions (blocking).
    @discardableResult
    public static func migrate(pool: PostgresPool, migrations: [Migration],
                               logger: Logger) throws -> [Int] {
        try pool.withConnection { connection in
            try migrate(connection: connection, migrations: migrations, logger: logger)
        }
    }

    /// ``migrate(connection:migrations:logger:)`` on one of the pool's threads.
    @discardableResult
    public static func migrate(pool: PostgresPool, migrations: [Migration],
                               logger: Logger) async throws -> [Int] {
        try await pool.withConnection { connection in
            try migrate(connection: connection, migrations: migrations, logger: logger)
        }
    }
}
