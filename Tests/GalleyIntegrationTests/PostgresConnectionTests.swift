import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyGateway
@testable import GalleyTesting
import GalleyTestSupport

@Suite struct PostgresConnectionTests {
    let connection: PostgresConnection

    init() throws {
        connection = try PostgresConnection(configuration: .testStack())
    }

    @Test func sessionIsUTC() throws {
        let zone = try connection.query("SHOW TimeZone").first?.decode(String.self, at: 0)
        #expect(zone == "UTC")
        #expect(connection.isUsable)
    }

    @Test func bindsAreNeverSQL() throws {
        let table = TestEnvironment.uniqueName("pg_injection")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (id serial PRIMARY KEY, body text NOT NULL)")
        let hostile = "'; DROP TABLE \(table); --"
        #expect(try connection.execute("INSERT INTO \(table) (body) VALUES ($1)", [hostile]) == 1)
        let stored = try connection.query("SELECT body FROM \(table) WHERE body = $1", [hostile])
        #expect(stored.rows.count == 1)
        #expect(try stored.first?.decode(String.self, "body") == hostile)
        #expect(try connection.query("SELECT count(*) AS n FROM \(table)").first?.decode(Int.self, "n") == 1)
    }

    @Test func statementsArePreparedOncePerSession() throws {
        for value in 1...3 {
            #expect(try connection.query("SELECT $1::int + 1 AS n", [value]).first?.decode(Int.self, "n") == value + 1)
        }
        let prepared = try connection.query(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", ["SELECT $1::int + 1 AS n"])
        #expect(try prepared.first?.decode(Int.self, "n") == 1)
    }

    @Test func executeCountsAffectedRows() throws {
        let table = TestEnvironment.uniqueName("pg_affected")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int); INSERT INTO \(table) SELECT generate_series(1, 5)")
        #expect(try connection.execute("UPDATE \(table) SET n = n + 1 WHERE n > $1", [2]) == 3)
        #expect(try connection.execute("DELETE FROM \(table)") == 5)
        #expect(try connection.execute("SET LOCAL statement_timeout = 1000") == 0)
    }

    @Test func transactionCommitsWhenBodyReturns() throws {
        let table = TestEnvironment.uniqueName("pg_commit")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int)")
        let answer = try connection.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES ($1)", [1])
            return 42
        }
        #expect(answer == 42)
        #expect(try connection.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) == 1)
    }

    @Test func transactionRollsBackWhenBodyThrows() throws {
        struct Boom: Error {}
        let table = TestEnvironment.uniqueName("pg_rollback")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int)")
        #expect(throws: Boom.self) {
            try connection.transaction { tx in
                try tx.execute("INSERT INTO \(table) VALUES ($1)", [1])
                throw Boom()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) == 0)
        // The session is usable again, outside any transaction.
        #expect(try connection.query("SELECT 1").rows.count == 1)
    }

    @Test func nestedTransactionIsASavepoint() throws {
        struct Boom: Error {}
        let table = TestEnvironment.uniqueName("pg_savepoint")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int)")
        _ = try connection.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES (1)")
            _ = try? tx.transaction { inner in
                try inner.execute("INSERT INTO \(table) VALUES (2)")
                throw Boom()
            }
            try tx.transaction { inner in try inner.execute("INSERT INTO \(table) VALUES (3)") }
        }
        let values = try connection.query("SELECT n FROM \(table) ORDER BY n").map { try $0.decode(Int.self, "n") }
        #expect(values == [1, 3])
    }

    @Test func swallowedFailureAbortsTheTransaction() throws {
        let table = TestEnvironment.uniqueName("pg_aborted")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int PRIMARY KEY)")
        #expect(throws: PostgresError.transactionAborted) {
            try connection.transaction { tx in
                try tx.execute("INSERT INTO \(table) VALUES (1)")
                _ = try? tx.execute("INSERT INTO \(table) VALUES (1)")
            }
        }
        #expect(try connection.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) == 0)
    }

    @Test func uniqueViolationIsRecognizedAndDescriptionCarriesNoData() throws {
        let table = TestEnvironment.uniqueName("pg_unique")
        let sql = "INSERT INTO \(table) (device) VALUES ($1)"
        let secret = "device-secret-\(UInt32.random(in: 0...UInt32.max))"
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (device text CONSTRAINT uq_\(table) UNIQUE)")
        try connection.execute(sql, [secret])
        do {
            try connection.execute(sql, [secret])
            Issue.record("a duplicate was accepted")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation)
            #expect(!error.isConnectionError && !error.isCheckViolation && !error.isSerializationFailure)
            #expect(error.sqlState == "23505")
            #expect(error.constraint == "uq_\(table)")
            #expect(error == .queryFailed)
            let description = "\(error)"
            #expect(!description.contains(secret))
            #expect(!description.contains(table))
            #expect(!description.contains("INSERT"))
            #expect(error.debugDescription.contains("duplicate key"))
        }
    }

    @Test func checkViolationIsRecognized() throws {
        let table = TestEnvironment.uniqueName("pg_check")
        try connection.simpleQuery("CREATE TEMP TABLE \(table) (balance int CHECK (balance >= 0))")
        do {
            try connection.execute("INSERT INTO \(table) VALUES ($1)", [-1])
            Issue.record("a negative balance was accepted")
        } catch let error as PostgresError {
            #expect(error.isCheckViolation)
            #expect(!error.isUniqueViolation)
        }
    }

    @Test func simpleQueryRunsSeveralStatements() throws {
        let table = TestEnvironment.uniqueName("pg_simple")
        let last = try connection.simpleQuery(
            "CREATE TEMP TABLE \(table) (n int); INSERT INTO \(table) VALUES (1), (2); SELECT sum(n) AS s FROM \(table)")
        #expect(try last.first?.decode(Int.self, "s") == 3)
    }

    @Test func closedConnectionRefusesWork() throws {
        connection.close()
        #expect(!connection.isUsable)
        #expect(throws: PostgresError.connectionClosed) { try connection.query("SELECT 1") }
    }

    @Test func unreachableServerIsAConnectionError() throws {
        var configuration = PostgresConfiguration.testStack()
        configuration.port = 1  // nothing listens there
        configuration.password = "hunter2-password"
        do {
            _ = try PostgresConnection(configuration: configuration)
            Issue.record("connected to port 1")
        } catch let error as PostgresError {
            #expect(error == .connectionFailed)
            #expect(error.isConnectionError)
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func syntaxErrorIsAQueryFailureNotAConnectionError() throws {
        do {
            try connection.query("SELEKT 1")
            Issue.record("bad SQL accepted")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42601")
            #expect(!error.isConnectionError)
        }
        #expect(connection.isUsable)
        #expect(try connection.query("SELECT 1 AS one").first?.decode(Int.self, "one") == 1)
    }
}
