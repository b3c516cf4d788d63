import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
import GalleyTestSupport

/// Migration 0026 on the original's database: user_points gets fillfactor 65 (the reward's
/// balance updates become HOT), and nothing of the original's schema goes: both unique
/// objects on user_id stay, still refuse a second account, and the balances are untouched.
@Suite(.serialized) struct UserPointsMigrationTests {
    let logger = Logger(label: "user-points-migration-tests")

    static func uniqueness(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("""
            SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'user_points'::regclass AND i.indisunique AND i.indisvalid AND NOT i.indisprimary
            ORDER BY 1
            """).map { try $0.decode(String.self, at: 0) }
    }

    static func balances(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("SELECT user_id::text || ':' || balance::text FROM user_points ORDER BY user_id")
            .map { try $0.decode(String.self, at: 0) }
    }

    @Test func setsTheFillfactorAndKeepsTheOriginalsUniquenessAndRows() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        let unique = try Self.uniqueness(connection)
        #expect(unique == ["ix_user_points_user_id", "uq_user_points_user_id"])
        let before = try Self.balances(connection)
        #expect(!before.isEmpty)

        try MigrationRunner.migrate(connection: connection, logger: logger)
        #expect(try Self.uniqueness(connection) == unique)
        #expect(try Self.balances(connection) == before)
        let options = try connection.query("SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE oid = 'user_points'::regclass")
            .first?.decode(String.self, at: 0)
        #expect(options == "fillfactor=65")
        // A second account for a user is still refused.
        #expect(throws: (any Error).self) {
            try connection.execute("INSERT INTO user_points (id, user_id, balance, updated_at) SELECT id + 1, user_id, 0, now() FROM user_points LIMIT 1")
        }
        // And ON CONFLICT (user_id) still finds its arbiter.
        #expect(try connection.execute(
            "INSERT INTO user_points (id, user_id, balance, updated_at) SELECT id + 1, user_id, 0, now() FROM user_points LIMIT 1 ON CONFLICT (user_id) DO NOTHING") == 0)
    }
}
