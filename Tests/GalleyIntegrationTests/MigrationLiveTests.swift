import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
import GalleyTestSupport

/// Contract, "Database": an existing PicKitchen database is adopted by Galley's migrations
/// while the original still serves it — no write of the original waits on a migration for
/// longer than a short `lock_timeout`, nothing it writes is lost, no table is rewritten.
@Suite(.serialized) struct MigrationLiveTests {
    let logger = Logger(label: "migration-live-tests")

    static let originalTables = ["users", "user_points", "point_transactions", "subscriptions", "orders", "emoji_tasks",
                                 "revenuecat_events"]

    @Test func adoptsTheOriginalsDatabaseWhileTheOriginalKeepsWriting() throws {
        let stats = try Self.adoptWhileWriting(Migrations.all, logger: logger)
        // The lock_timeout (2 s) bounds every wait; the margin covers a loaded 2-core machine.
        let bound = Duration.seconds(2) + .milliseconds(1500)
        #expect(stats.maxWaitWhileMigrating < bound,
                "a write waited \(stats.maxWaitWhileMigrating) (\(stats.maxWaitWhileMigratingStatement))")
    }

    /// The original's usual load: short requests only, no slow one.
    @Test func adoptsUnderShortRequestsOnly() throws {
        let stats = try Self.adoptWhileWriting(Migrations.all, slowHold: nil, logger: logger)
        #expect(stats.maxWaitWhileMigrating < .seconds(2) + .milliseconds(1500))
    }

    /// The same run with the first texts of 0001–0006 (one transaction each, no lock_timeout,
    /// plain CREATE INDEX): the original's writes wait as long as the slow request holds its
    /// lock, and longer. This is what the rewrite fixed, and shows the bound above can fail.
    @Test func theFirstTextsWouldHaveBlockedTheOriginal() throws {
        let directory = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/migrations/former")
        // Run as the runner ran them before: one transaction, no lock_timeout (0 = none).
        let former = try Migrations.all.filter { $0.version <= 6 }.map { migration in
            Migration(version: migration.version, name: migration.name,
                      sql: try String(contentsOf: directory.appendingPathComponent(migration.fileName), encoding: .utf8),
                      lockTimeout: .zero)
        }
        let stats = try Self.adoptWhileWriting(former, slowHold: .seconds(6), startWithSlowLock: true, logger: logger)
        #expect(stats.maxWaitWhileMigrating > .seconds(2) + .milliseconds(1500))
    }

    /// Loads the original's dump, keeps the original's writes going, applies `migrations`
    /// meanwhile; checks that no row is lost and no table rewritten, prints the waits.
    static func adoptWhileWriting(_ migrations: [Migration], slowHold: Duration? = .seconds(4), startWithSlowLock: Bool = false,
                                  logger: Logger) throws -> OriginalWriter.Stats {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let before = try Self.counts(connection)
        let files = try Self.relfilenodes(connection)
        // User A of the golden seed: a slow request keeps its account row locked 4 s at a
        // time, longer than the lock_timeout, so an ALTER of user_points that arrives
        // meanwhile times out, rolls back and is retried.
        let writer = OriginalWriter(configuration: database.configuration, slowHold: slowHold ?? .zero,
                                    slowUser: slowHold == nil ? nil : 386_266_821_075_927_040)
        writer.start()
        Thread.sleep(forTimeInterval: 1.0)
        if startWithSlowLock {
            // Start just after the slow request took its lock (else where in its hold is chance).
            let seen = writer.slowLocks.load(ordering: .sequentiallyConsistent)
            while writer.slowLocks.load(ordering: .sequentiallyConsistent) == seen { Thread.sleep(forTimeInterval: 0.01) }
        }
        let clock = ContinuousClock()
        let started = clock.now
        writer.migrating.store(true, ordering: .sequentiallyConsistent)
        let applied = try MigrationRunner.migrate(connection: connection, migrations: migrations, logger: logger)
        writer.migrating.store(false, ordering: .sequentiallyConsistent)
        let took = clock.now - started
        Thread.sleep(forTimeInterval: 0.5)
        writer.finish()
        let stats = writer.snapshot

        #expect(applied == migrations.map(\.version))
        #expect(stats.errors.isEmpty, "the original's writes failed: \(stats.errors.prefix(3))")
        // Every row the original committed is there (and the seeded rows too).
        let after = try Self.counts(connection)
        for table in Self.originalTables {
            #expect(after[table] == (before[table] ?? 0) + (stats.committed[table] ?? 0), "\(table): rows lost or invented")
        }
        #expect((stats.committed["users"] ?? 0) > 10, "the writer kept writing")
        // Nothing rewritten: every table of the original keeps its storage file.
        #expect(try Self.relfilenodes(connection) == files)
        try Self.expectNoInvalidIndex(connection)
        print("""
            live adoption (migrations \(migrations.first?.fileName ?? "")…\(migrations.last?.fileName ?? "")): \
            \(stats.statements) statements of the original, migrations took \(Self.ms(took)) ms; \
            max wait \(Self.ms(stats.maxWaitWhileMigrating)) ms (\(stats.maxWaitWhileMigratingStatement)) while migrating, \
            \(Self.ms(stats.maxWait)) ms overall (\(slowHold.map { "a slow request holds a user_points row lock \(Self.ms($0)) ms at a time" } ?? "short requests only")); \
            rows committed \(stats.committed.values.reduce(0, +)), lost 0
            """)
        return stats
    }

    /// 0001–0006 were rewritten live-safe: databases that applied their first texts are
    /// accepted as they are (checksums) and both texts give the same schema.
    @Test func rewrittenMigrationsGiveTheSameSchemaAsTheirFirstTexts() throws {
        let directory = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/migrations/former")
        let former = try Migrations.all.filter { $0.version <= 6 }.map { migration in
            Migration(version: migration.version, name: migration.name,
                      sql: try String(contentsOf: directory.appendingPathComponent(migration.fileName), encoding: .utf8))
        }
        for (old, new) in zip(former, Migrations.all) {
            #expect(new.formerChecksums.contains(old.checksum), "\(new.fileName): first text's checksum not accepted")
            #expect(new.checksum != old.checksum)
            #expect(old.steps.count == 1)
        }
        let oldDatabase = try TestDatabase(migrated: false)
        let newDatabase = try TestDatabase(migrated: false)
        defer {
            oldDatabase.drop()
            newDatabase.drop()
        }
        let oldConnection = try PostgresConnection(configuration: oldDatabase.configuration)
        let newConnection = try PostgresConnection(configuration: newDatabase.configuration)
        defer {
            oldConnection.close()
            newConnection.close()
        }
        try MigrationRunner.migrate(connection: oldConnection, migrations: former, logger: logger)
        try MigrationRunner.migrate(connection: newConnection, migrations: Array(Migrations.all.prefix(6)), logger: logger)
        let oldSchema = try Self.schema(oldConnection)
        let newSchema = try Self.schema(newConnection)
        #expect(oldSchema.count > 100)
        #expect(oldSchema == newSchema, "only first: \(oldSchema.subtracting(newSchema).sorted()); only new: \(newSchema.subtracting(oldSchema).sorted())")
        // A database migrated with the first texts goes on with the new ones: only the later ones apply.
        #expect(try MigrationRunner.migrate(connection: oldConnection, logger: logger) == Migrations.all.map(\.version).filter { $0 > 6 })
    }

    /// The original's `alembic revision --autogenerate` after its bug fixes: its model declares
    /// a partial unique index `idx_user_reward_week` and no `uq_points_reward_week`, so the
    /// revision drops the constraint and creates the index. Galley converges.
    @Test func autogeneratedRewardWeekIndexConverges() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try Self.autogenerate(connection)
        #expect(try Self.hasRewardConstraint(connection) == false)
        try MigrationRunner.migrate(connection: connection, logger: logger)
        #expect(try Self.hasRewardConstraint(connection))
        #expect(try connection.query("SELECT to_regclass('idx_user_reward_week') IS NOT NULL").first?.decode(Bool.self, at: 0) == true)
        try Self.expectNoInvalidIndex(connection)
        // The reward's ON CONFLICT finds it: a second credit of the same week is skipped.
        let insert = """
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, reward_week, created_at)
            VALUES ($1, 386266821147230208, 'reward', 2000, 2800, '2031-W01', now())
            ON CONFLICT (user_id, type, reward_week) DO NOTHING
            """
        #expect(try connection.execute(insert, [Int64(1)]) == 1)
        #expect(try connection.execute(insert, [Int64(2)]) == 0)
    }

    /// The same, but rows already break the uniqueness: Galley stops with one line that says
    /// what to run, leaves no half-built index behind, and goes on once the rows are fixed.
    @Test func duplicateRewardRowsStopWithOneLine() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try Self.autogenerate(connection)
        try connection.simpleQuery("DROP INDEX idx_user_reward_week")
        try connection.simpleQuery(
            """
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, reward_week, created_at) VALUES
                (11, 386266821147230208, 'reward', 2000, 2800, '2031-W02', now()),
                (12, 386266821147230208, 'reward', 2000, 4800, '2031-W02', now())
            """)
        var failure: MigrationError?
        do {
            try MigrationRunner.migrate(connection: connection, logger: logger)
        } catch let error as MigrationError {
            failure = error
        }
        let error = try #require(failure)
        #expect(error == MigrationError.checkFailed && error.version == 18)
        #expect(!error.description.contains("\n"))
        #expect(error.description.contains("GROUP BY 1, 2, 3 HAVING count(*) > 1"))
        print("duplicates: \(error.description)")
        let recorded = try connection.query("SELECT version FROM galley_migrations ORDER BY 1").map { try $0.decode(Int.self, at: 0) }
        #expect(recorded == Migrations.all.map(\.version).filter { $0 < 18 })
        #expect(try Self.hasRewardConstraint(connection) == false)
        try Self.expectNoInvalidIndex(connection)

        try connection.simpleQuery("DELETE FROM point_transactions WHERE id = 12")
        #expect(try MigrationRunner.migrate(connection: connection, logger: logger) == Migrations.all.map(\.version).filter { $0 >= 18 })
        #expect(try Self.hasRewardConstraint(connection))
    }

    /// The balance CHECK is added NOT VALID and validated apart; a balance the original left
    /// negative would fail the validation, so Galley stops before, saying what to look at.
    @Test func aNegativeBalanceStopsWithOneLine() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try connection.simpleQuery("UPDATE user_points SET balance = -200 WHERE user_id = 386266821147230208")
        var failure: MigrationError?
        do {
            try MigrationRunner.migrate(connection: connection, logger: logger)
        } catch let error as MigrationError {
            failure = error
        }
        let error = try #require(failure)
        #expect(error == MigrationError.checkFailed && error.version == 2 && !error.description.contains("\n"))
        #expect(error.description.contains("WHERE balance < 0"))
        #expect(try connection.query("SELECT count(*) FROM pg_constraint WHERE conname = 'ck_user_points_balance_nonnegative'")
            .first?.decode(Int.self, at: 0) == 0)
    }

    /// A step whose lock is held elsewhere waits `lock_timeout`, rolls back, backs off and
    /// tries again; after the last try it stops with one line and nothing of the step applied.
    @Test func aBlockedStepRetriesThenStopsWithOneLine() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try connection.simpleQuery("CREATE TABLE t (n int)")
        // Another session (a long read of the original) holds the table until told to let go.
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let configuration = database.configuration
        Thread.detachNewThread {
            guard let holder = try? PostgresConnection(configuration: configuration) else {
                locked.signal()
                return
            }
            defer { holder.close() }
            _ = try? holder.simpleQuery("BEGIN; LOCK TABLE t IN ACCESS SHARE MODE")
            locked.signal()
            release.wait()
            _ = try? holder.simpleQuery("SELECT pg_sleep(0.3); COMMIT")
        }
        locked.wait()
        let migration = [Migration(version: 1, name: "add", sql: "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int", lockTimeout: .milliseconds(100))]
        let options = MigrationRunner.Options(maxAttempts: 3, firstBackoff: .milliseconds(20))
        let clock = ContinuousClock()
        let started = clock.now
        var failure: MigrationError?
        do {
            try MigrationRunner.migrate(connection: connection, migrations: migration, options: options, logger: logger)
        } catch let error as MigrationError {
            failure = error
        }
        let error = try #require(failure)
        #expect(error == MigrationError.lockTimeout && error.version == 1 && error.step == 1)
        #expect(!error.description.contains("\n") && error.description.contains("3 tries"))
        // Three waits of 100 ms and two backoffs (20, 40 ms): it gave up, it did not hang.
        #expect(clock.now - started >= .milliseconds(300) && clock.now - started < .seconds(5))
        #expect(try connection.query("SELECT count(*) FROM galley_migrations").first?.decode(Int.self, at: 0) == 0)
        #expect(try connection.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'")
            .first?.decode(Int.self, at: 0) == 0)

        // The holder lets go while the runner is retrying: the step goes through.
        release.signal()
        let patient = MigrationRunner.Options(maxAttempts: 20, firstBackoff: .milliseconds(50))
        #expect(try MigrationRunner.migrate(connection: connection, migrations: migration, options: patient, logger: logger) == [1])
        #expect(try connection.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'")
            .first?.decode(Int.self, at: 0) == 1)
    }

    /// A concurrent index build that failed (here: duplicates; or a crash, a timeout) leaves an
    /// INVALID index that writes still maintain: the runner drops it at once, and a later run
    /// drops any such leftover before building the index again.
    @Test func invalidIndexLeftoversAreDroppedAndBuiltAgain() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try connection.simpleQuery("CREATE TABLE t (n int); INSERT INTO t VALUES (1), (1), (2)")
        let build = """
            -- galley:step concurrently
            CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS uq_t_n ON t (n);
            """
        let migration = [Migration(version: 1, name: "unique_n", sql: build)]
        #expect(throws: MigrationError.stepFailed) {
            try MigrationRunner.migrate(connection: connection, migrations: migration, logger: logger)
        }
        #expect(try connection.query("SELECT to_regclass('uq_t_n') IS NULL").first?.decode(Bool.self, at: 0) == true)

        // A leftover from a build that died half-way (made here the same way, outside the runner).
        do { try connection.simpleQuery("CREATE UNIQUE INDEX CONCURRENTLY uq_t_n ON t (n)") } catch {}
        #expect(try connection.query("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 'uq_t_n'::regclass")
            .first?.decode(Bool.self, at: 0) == true)
        try connection.simpleQuery("DELETE FROM t WHERE n = 1")
        #expect(try MigrationRunner.migrate(connection: connection, migrations: migration, logger: logger) == [1])
        #expect(try connection.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'uq_t_n'::regclass")
            .first?.decode(Bool.self, at: 0) == true)
        #expect(MigrationStep.parse(build).first?.concurrentIndexName == "uq_t_n")
        #expect(MigrationStep.parse("CREATE TABLE x (n int)").map(\.kind) == [.transaction])
    }

    /// A concurrent step is one `CREATE INDEX CONCURRENTLY IF NOT EXISTS <name>` (else the
    /// runner could not clean up after it), and no other step builds an index on a table
    /// of the original without CONCURRENTLY.
    @Test func everyConcurrentStepBuildsOneNamedIndex() {
        for migration in Migrations.all {
            for (number, step) in migration.steps.enumerated() {
                let place = "\(migration.fileName) step \(number + 1)"
                let code = step.sql.split(separator: "\n")
                    .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
                let statements = code.split(separator: ";").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                switch step.kind {
                case .concurrently:
                    #expect(step.concurrentIndexName != nil, "\(place)")
                    #expect(statements.count == 1, "\(place)")
                case .transaction:
                    for table in Self.originalTables {
                        #expect(!step.sql.contains(" ON \(table) ("), "\(place): an index on \(table) must be built CONCURRENTLY")
                    }
                case .check:
                    #expect(step.sql.contains("SELECT"), "\(place)")
                }
            }
        }
        let commented = MigrationStep.parse("-- galley:step concurrently\n-- why\nCREATE INDEX CONCURRENTLY IF NOT EXISTS \"ix_a\" ON t (n);")
        #expect(commented.first?.concurrentIndexName == "ix_a")
    }

    // MARK: - helpers

    /// What the autogenerated alembic revision does to the original's head.
    static func autogenerate(_ connection: PostgresConnection) throws {
        try connection.simpleQuery(
            """
            ALTER TABLE point_transactions DROP CONSTRAINT uq_points_reward_week;
            CREATE UNIQUE INDEX idx_user_reward_week ON point_transactions (user_id, reward_week) WHERE reward_week IS NOT NULL;
            UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6';
            """)
    }

    static func hasRewardConstraint(_ connection: PostgresConnection) throws -> Bool {
        try connection.query(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'uq_points_reward_week' AND conrelid = 'point_transactions'::regclass AND contype = 'u'"
        ).first?.decode(Int.self, at: 0) == 1
    }

    static func expectNoInvalidIndex(_ connection: PostgresConnection) throws {
        let invalid = try connection.query(
            "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid"
        ).map { try $0.decode(String.self, at: 0) }
        #expect(invalid.isEmpty, "invalid indexes left: \(invalid)")
    }

    static func counts(_ connection: PostgresConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in originalTables {
            counts[table] = try connection.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0)
        }
        return counts
    }

    static func relfilenodes(_ connection: PostgresConnection) throws -> [String: Int64] {
        var files: [String: Int64] = [:]
        for row in try connection.query(
            "SELECT relname::text, relfilenode::int8 FROM pg_class WHERE relname = ANY($1::text[]) AND relkind = 'r'", [originalTables])
        {
            files[try row.decode(String.self, at: 0)] = try row.decode(Int64.self, at: 1)
        }
        return files
    }

    /// Columns, constraints (with their validation state) and index definitions of the public schema.
    static func schema(_ connection: PostgresConnection) throws -> Set<String> {
        let queries = [
            """
            SELECT format('column %s.%s %s %s default %s', table_name, column_name, data_type,
                          coalesce(character_maximum_length::text, ''), coalesce(column_default, '-'))
                   || format(' nullable %s position %s', is_nullable, ordinal_position)
            FROM information_schema.columns WHERE table_schema = 'public'
            """,
            """
            SELECT format('constraint %s %s %s validated %s', conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            """,
            "SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'",
        ]
        var lines = Set<String>()
        for sql in queries {
            for row in try connection.query(sql) { lines.insert(try row.decode(String.self, at: 0)) }
        }
        return lines
    }

    static func ms(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
