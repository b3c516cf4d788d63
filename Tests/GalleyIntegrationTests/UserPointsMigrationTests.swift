import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
import GalleyTestSupport

/// Migration 0026 on the original's database: the duplicate UNIQUE (user_id) constraint
/// goes, the unique index the original's model declares stays and still refuses a
/// second account, the balances are untouched, and user_points gets fillfactor 65.
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

    @Test func dropsTheDuplicateConstraintKeepsUniquenessAndTheRows() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        #expect(try Self.uniqueness(connection) == ["ix_user_points_user_id", "uq_user_points_user_id"])
        let before = try Self.balances(connection)
        #expect(!before.isEmpty)

        try MigrationRunner.migrate(connection: connection, logger: logger)
        #expect(try Self.uniqueness(connection) == ["ix_user_points_user_id"])
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

    @Test func keepsTheConstraintUnlessAnEquivalentIndexEnforcesUniqueness() throws {
        let database = try OriginalDatabase()
        defer { database.drop() }
        let connection = try PostgresConnection(configuration: database.configuration)
        defer { connection.close() }
        try connection.simpleQuery("DROP INDEX ix_user_points_user_id")
        try MigrationRunner.migrate(connection: connection, logger: logger)
        // 0001 builds ix_user_points_user_id again (IF NOT EXISTS) before 0026 runs, so
        // both exist when 0026 decides: the constraint goes, the index enforces.
        #expect(try Self.uniqueness(connection) == ["ix_user_points_user_id"])

        // An index that does not enforce the same uniqueness never replaces the constraint.
        let other = try OriginalDatabase()
        defer { other.drop() }
        let second = try PostgresConnection(configuration: other.configuration)
        defer { second.close() }
        try second.simpleQuery("""
            DROP INDEX ix_user_points_user_id;
            CREATE UNIQUE INDEX ix_user_points_user_id ON user_points (user_id) WHERE balance >= 0;
            """)
        try MigrationRunner.migrate(connection: second, logger: logger)
        #expect(try Self.uniqueness(second) == ["ix_user_points_user_id", "uq_user_points_user_id"])
    }
}
