import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
import GalleyTestSupport

/// A database of its own for one test, dropped afterwards.
private final class ScratchDatabase {
    let name = TestEnvironment.uniqueName("galley_mig")
    let configuration: PostgresConfiguration
    private let admin: PostgresConnection

    init() throws {
        admin = try PostgresConnection(configuration: .testStack())
        configuration = .testStack(database: name)
        try admin.simpleQuery("CREATE DATABASE \"\(name)\"")
    }

    deinit {
        _ = try? admin.simpleQuery("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
    }
}

@Suite struct MigrationTests {
    let logger = Logger(label: "migration-tests")

    @Test func everySQLFileIsRegisteredInOrder() throws {
        let directory = TestEnvironment.repositoryRoot.appendingPathComponent("Sources/GalleyRuntime/Schema/Migrations")
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let files = entries.filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        // Package.swift embeds the whole directory: anything else there would ship as bytes.
        #expect(entries.filter { !$0.hasSuffix(".sql") } == [])
        #expect(Migrations.all.map(\.fileName) == files)
        for migration in Migrations.all {
            let text = try String(contentsOf: directory.appendingPathComponent(migration.fileName), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.fileName) is not the embedded text")
        }
        // Numbers are reserved per piece of work (docs/architecture.md), so gaps are fine;
        // order and uniqueness are not negotiable.
        let versions = Migrations.all.map(\.version)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
    }

    @Test func checksumIsSHA256Hex() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        #expect(Migration(version: 1, name: "x", sql: "abc").checksum
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func runningTwiceAppliesEachMigrationOnce() throws {
        let database = try ScratchDatabase()
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let versions = Migrations.all.map(\.version)
        #expect(try MigrationRunner.migrate(connection: connection, logger: logger) == versions)
        #expect(try MigrationRunner.migrate(connection: connection, logger: logger) == [])
        let recorded = try connection.query("SELECT version, name, checksum FROM galley_migrations ORDER BY version")
        #expect(try recorded.map { try $0.decode(Int.self, "version") } == versions)
        #expect(try recorded.map { try $0.decode(String.self, "checksum") } == Migrations.all.map(\.checksum))
        try expectContractSchema(connection)
        // One schema: each table once, in public.
        let duplicates = try connection.query(
            "SELECT count(*) FROM (SELECT table_name FROM information_schema.tables GROUP BY table_schema, table_name HAVING count(*) > 1) d")
        #expect(try duplicates.first?.decode(Int.self, at: 0) == 0)
        try expectLockReleased(connection)
    }

    @Test func concurrentRunnersApplyEachMigrationOnce() throws {
        let database = try ScratchDatabase()
        let configuration = database.configuration
        let outcomes = Mutex<[Result<[Int], any Error>]>([])
        let finished = DispatchSemaphore(value: 0)
        let runners = 4
        for index in 0..<runners {
            let logger = logger.with("runner", String(index))
            Thread.detachNewThread {
                let outcome = Result { () throws -> [Int] in
                    let connection = try PostgresConnection(configuration: configuration)
                    defer { connection.close() }
                    return try MigrationRunner.migrate(connection: connection, logger: logger)
                }
                outcomes.withLock { $0.append(outcome) }
                finished.signal()
            }
        }
        for _ in 0..<runners { finished.wait() }
        let results = outcomes.withLock { $0 }
        var applied: [Int] = []
        for result in results {
            switch result {
            case .success(let versions): applied += versions
            case .failure(let error): Issue.record("a runner failed: \(error)")
            }
        }
        #expect(applied.sorted() == Migrations.all.map(\.version))
        let connection = try PostgresConnection(configuration: configuration)
        defer { connection.close() }
        let counts = try connection.query("SELECT version, count(*) AS n FROM galley_migrations GROUP BY version ORDER BY version")
        #expect(try counts.map { try $0.decode(Int.self, "version") } == Migrations.all.map(\.version))
        #expect(try counts.allSatisfy { try $0.decode(Int.self, "n") == 1 })
        try expectContractSchema(connection)
    }

    @Test func poolRunnerWorksAsync() async throws {
        let database = try ScratchDatabase()
        let pool = PostgresPool(configuration: database.configuration, size: 1, logger: logger)
        defer { pool.close() }
        #expect(try await MigrationRunner.migrate(pool: pool, logger: logger) == Migrations.all.map(\.version))
        #expect(try await MigrationRunner.migrate(pool: pool, logger: logger) == [])
        let logger = self.logger
        let again = try await pool.withConnection { connection in
            try MigrationRunner.migrate(connection: connection, logger: logger)
        }
        #expect(again == [])
    }

    @Test func changedAppliedMigrationIsRefused() throws {
        let database = try ScratchDatabase()
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let original = [Migration(version: 1, name: "one", sql: "CREATE TABLE one (n int)")]
        #expect(try MigrationRunner.migrate(connection: connection, migrations: original, logger: logger) == [1])
        let edited = [
            Migration(version: 1, name: "one", sql: "CREATE TABLE one (n bigint)"),
            Migration(version: 2, name: "two", sql: "CREATE TABLE two (n int)"),
        ]
        #expect(throws: MigrationError.checksumMismatch) {
            try MigrationRunner.migrate(connection: connection, migrations: edited, logger: logger)
        }
        #expect(try connection.query("SELECT to_regclass('two') IS NULL").first?.decode(Bool.self, at: 0) == true)
        try expectLockReleased(connection)
    }

    @Test func failingMigrationIsRolledBackAndNotRecorded() throws {
        let database = try ScratchDatabase()
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let migrations = [
            Migration(version: 1, name: "one", sql: "CREATE TABLE one (n int)"),
            Migration(version: 2, name: "broken", sql: "CREATE TABLE half (n int); CREATE TABLE one (n int);"),
        ]
        #expect(throws: MigrationError.stepFailed) {
            try MigrationRunner.migrate(connection: connection, migrations: migrations, logger: logger)
        }
        let versions = try connection.query("SELECT version FROM galley_migrations").map { try $0.decode(Int.self, at: 0) }
        #expect(versions == [1])
        #expect(try connection.query("SELECT to_regclass('half') IS NULL").first?.decode(Bool.self, at: 0) == true)
        try expectLockReleased(connection)
        let fixed = [migrations[0], Migration(version: 2, name: "fixed", sql: "CREATE TABLE half (n int)")]
        #expect(try MigrationRunner.migrate(connection: connection, migrations: fixed, logger: logger) == [2])
    }

    @Test func unorderedListIsRefused() throws {
        let database = try ScratchDatabase()
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let list = [Migration(version: 2, name: "b", sql: "SELECT 1"), Migration(version: 1, name: "a", sql: "SELECT 1")]
        #expect(throws: MigrationError.unordered) {
            try MigrationRunner.migrate(connection: connection, migrations: list, logger: logger)
        }
    }

    private func expectContractSchema(_ connection: PostgresConnection) throws {
        let tables = ["users", "user_points", "point_transactions", "subscriptions", "orders", "emoji_tasks",
                      "revenuecat_events", "outbox", "galley_migrations"]
        let present = try connection.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1::text[])",
            [tables]
        ).map { try $0.decode(String.self, at: 0) }
        #expect(Set(present) == Set(tables))
        let constraint = try connection.query(
            "SELECT count(*) FROM pg_constraint WHERE conname = $1 AND conrelid = 'point_transactions'::regclass AND contype = 'u'",
            ["uq_points_reward_week"])
        #expect(try constraint.first?.decode(Int.self, at: 0) == 1)
    }

    private func expectLockReleased(_ connection: PostgresConnection) throws {
        let held = try connection.query(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        #expect(try held.first?.decode(Int.self, at: 0) == 0)
    }
}
