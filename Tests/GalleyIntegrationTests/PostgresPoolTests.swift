import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
import GalleyTestSupport

@Suite struct PostgresPoolTests {
    let logger = Logger(label: "postgres-pool-tests")

    @Test func fiftyConcurrentAsyncCallsOnFiveConnections() async throws {
        let pool = PostgresPool(configuration: .testStack(), size: 5, logger: logger)
        defer { pool.close() }
        let results = try await withThrowingTaskGroup(of: (Int, Int32).self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await pool.withConnection { connection in
                        let row = try connection.query("SELECT $1::int8 AS n, pg_backend_pid() AS pid, pg_sleep(0.01)", [index]).first
                        return (try row?.decode(Int.self, "n") ?? -1, try row?.decode(Int32.self, "pid") ?? 0)
                    }
                }
            }
            var collected: [(Int, Int32)] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        #expect(results.map(\.0).sorted() == Array(0..<50))
        #expect(Set(results.map(\.1)).count <= 5)
        let stats = pool.stats
        #expect(stats.size == 5)
        #expect(stats.inUse == 0)
        #expect(stats.idle >= 1 && stats.idle <= 5)
    }

    @Test func asyncTransactionCommitsAndRollsBack() async throws {
        struct Boom: Error {}
        let pool = PostgresPool(configuration: .testStack(), size: 2, logger: logger)
        defer { pool.close() }
        let table = TestEnvironment.uniqueName("pg_pool_tx")
        _ = try await pool.withConnection { try $0.simpleQuery("CREATE TABLE \(table) (n int)") }
        defer { _ = try? pool.withConnection { try $0.simpleQuery("DROP TABLE IF EXISTS \(table)") } }
        _ = try await pool.withTransaction { try $0.execute("INSERT INTO \(table) VALUES (1)") }
        await #expect(throws: Boom.self) {
            try await pool.withTransaction { connection in
                try connection.execute("INSERT INTO \(table) VALUES (2)")
                throw Boom()
            }
        }
        let count = try await pool.withConnection { try $0.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) }
        #expect(count == 1)
    }

    @Test func terminatedConnectionIsReplaced() throws {
        let pool = PostgresPool(configuration: .testStack(), size: 1, logger: logger)
        defer { pool.close() }
        let first = try pool.withConnection { $0.backendProcessID }
        #expect(first != 0)
        let admin = try PostgresConnection(configuration: .testStack())
        #expect(try admin.query("SELECT pg_terminate_backend($1) AS ok", [first]).first?.decode(Bool.self, "ok") == true)
        // Wait until the server has really ended that session (not a speed assertion).
        for _ in 0..<500 {
            let alive = try admin.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [first])
            if try alive.first?.decode(Int.self, at: 0) == 0 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        do {
            let pid = try pool.withConnection { try $0.query("SELECT pg_backend_pid()").first?.decode(Int32.self, at: 0) }
            #expect(pid != first)
        } catch let error as PostgresError {
            #expect(error.isConnectionError, "\(error.debugDescription)")
        }
        let replacement = try pool.withConnection { try $0.query("SELECT pg_backend_pid()").first?.decode(Int32.self, at: 0) }
        #expect(replacement != nil && replacement != first)
        #expect(pool.stats.inUse == 0)
    }

    @Test func brokenConnectionDuringUseIsDroppedOnReturn() throws {
        let pool = PostgresPool(configuration: .testStack(), size: 1, logger: logger)
        defer { pool.close() }
        // The session kills itself: the call fails as a connection error, the next call works.
        do {
            try pool.withConnection { try $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            Issue.record("a terminated session answered")
        } catch let error as PostgresError {
            #expect(error.isConnectionError, "\(error.debugDescription)")
        }
        #expect(pool.stats.idle == 0)
        #expect(try pool.withConnection { try $0.query("SELECT 1").first?.decode(Int.self, at: 0) } == 1)
    }

    @Test func checkoutTimesOutWhenAllConnectionsAreBusy() throws {
        let pool = PostgresPool(configuration: .testStack(), size: 1, checkoutTimeout: .milliseconds(50), logger: logger)
        defer { pool.close() }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? pool.withConnection { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }
        holding.wait()
        #expect(pool.stats.inUse == 1)
        #expect(throws: PostgresError.poolTimeout) { try pool.withConnection { _ in } }
        release.signal()
        done.wait()
        #expect(try pool.withConnection { try $0.query("SELECT 1").rows.count } == 1)
    }

    @Test func connectionLeftInATransactionIsRolledBackOnReturn() throws {
        let pool = PostgresPool(configuration: .testStack(), size: 1, logger: logger)
        defer { pool.close() }
        let table = TestEnvironment.uniqueName("pg_left_open")
        // A body that leaves a transaction open: the same session must not carry it on.
        try pool.withConnection { connection in
            try connection.simpleQuery("CREATE TEMP TABLE \(table) (n int)")
            try connection.simpleQuery("BEGIN")
            try connection.execute("INSERT INTO \(table) VALUES (1)")
            #expect(try connection.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) == 1)
        }
        let count = try pool.withConnection { try $0.query("SELECT count(*) FROM \(table)").first?.decode(Int.self, at: 0) }
        #expect(count == 0)
    }

    @Test func escapedConnectionIsClosedAfterItsBody() throws {
        let pool = PostgresPool(configuration: .testStack(), size: 1, logger: logger)
        defer { pool.close() }
        let escaped = try pool.withConnection { $0 }
        #expect(throws: PostgresError.connectionClosed) { try escaped.query("SELECT 1") }
        #expect(try pool.withConnection { try $0.query("SELECT 1").rows.count } == 1)
    }

    @Test func closedPoolRefusesCheckouts() async throws {
        let pool = PostgresPool(configuration: .testStack(), size: 2, logger: logger)
        _ = try await pool.withConnection { try $0.query("SELECT 1").rows.count }
        pool.close()
        #expect(pool.stats.idle == 0)
        #expect(throws: PostgresError.poolClosed) { try closedPoolCheckout(pool) }
        await #expect(throws: (any Error).self) { try await pool.withConnection { _ in 1 } }
    }

    @Test func unreachableServerFailsCheckoutAndFreesThePermit() throws {
        var configuration = PostgresConfiguration.testStack()
        configuration.port = 1
        let pool = PostgresPool(configuration: configuration, size: 1, checkoutTimeout: .milliseconds(200), logger: logger)
        defer { pool.close() }
        for _ in 0..<2 {
            #expect(throws: PostgresError.connectionFailed) { try pool.withConnection { _ in } }
        }
        #expect(pool.stats.inUse == 0)
    }

    /// The blocking checkout, out of the async test's reach of the async overload.
    private func closedPoolCheckout(_ pool: PostgresPool) throws {
        try pool.withConnection { _ in }
    }
}
