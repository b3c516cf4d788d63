import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRuntime
import GalleyTestSupport

@Suite struct RedisPoolTests {
    private func clientID(_ connection: RedisConnection) throws -> Int64 {
        guard let id = try connection.checkedCommand(["CLIENT", "ID"]).integerValue else {
            throw RedisError.unexpectedReply
        }
        return id
    }

    @Test func replacesConnectionKilledWhileIdle() throws {
        let pool = RedisPool(configuration: .testStack(), size: 1)
        defer { pool.shutdown() }
        let first = try pool.withConnection { try clientID($0) }
        #expect(pool.stats.idle == 1)

        let killer = try RedisConnection.testStack()
        #expect(try killer.checkedCommand(["CLIENT", "KILL", "ID", .integer(first)]) == .integer(1))

        let second = try pool.withConnection { connection -> Int64 in
            #expect(try connection.command("PING") == .status("PONG"))
            return try clientID(connection)
        }
        #expect(second != first)
    }

    @Test func replacesConnectionThatBrokeInUse() throws {
        let pool = RedisPool(configuration: .testStack(), size: 2)
        defer { pool.shutdown() }
        let killed = try pool.withConnection { connection -> Int64 in
            let id = try clientID(connection)
            #expect(try connection.command(["CLIENT", "KILL", "ID", .integer(id), "SKIPME", "no"]) == .integer(1))
            #expect(throws: RedisError.connectionLost) { try connection.command("PING") }
            return id
        }
        #expect(pool.stats.inUse == 0)
        #expect(pool.stats.idle == 0)  // the broken one was dropped, not returned
        let next = try pool.withConnection { connection -> Int64 in
            #expect(try connection.command("PING") == .status("PONG"))
            return try clientID(connection)
        }
        #expect(next != killed)
    }

    @Test func asyncCallersShareTheConnections() async throws {
        let pool = RedisPool(configuration: .testStack(), size: 3)
        defer { pool.shutdown() }
        let key = TestEnvironment.uniqueName("redis:pool")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<40 {
                group.addTask { _ = try await pool.withConnection { try $0.incr(key) } }
            }
            try await group.waitForAll()
        }
        let total = try await pool.withConnection { connection -> String? in
            defer { _ = try? connection.del(key) }
            return try connection.get(key)
        }
        #expect(total == "40")
        let stats = pool.stats
        #expect(stats.size == 3 && stats.inUse == 0 && stats.idle >= 1 && stats.idle <= 3)
    }

    @Test func checkoutTimesOutWhenAllConnectionsAreLent() throws {
        let pool = RedisPool(configuration: .testStack(), size: 1, checkoutTimeoutSeconds: 0.2)
        defer { pool.shutdown() }
        try pool.withConnection { _ in
            #expect(pool.stats.inUse == 1)
            #expect(throws: RedisError.checkoutTimeout) { try pool.withConnection { _ in () } }
        }
        #expect(pool.stats.inUse == 0)
    }

    @Test func restoresTimeoutLeftRaisedByABody() throws {
        let pool = RedisPool(configuration: .testStack(commandTimeoutSeconds: 3), size: 1)
        defer { pool.shutdown() }
        try pool.withConnection { try $0.setTimeout(seconds: 30) }
        #expect(try pool.withConnection { $0.timeoutSeconds } == 3)
    }

    @Test func refusesCheckoutsAfterShutdown() async throws {
        let pool = RedisPool(configuration: .testStack(), size: 1)
        _ = try await pool.withConnection { try $0.command("PING") }
        pool.shutdown()
        #expect(pool.stats.idle == 0)
        #expect(throws: RedisError.poolShutDown) { try pool.withConnection { _ in () } }
        await #expect(throws: (any Error).self) { try await pool.withConnection { _ in () } }
    }

    @Test func unreachableServerFailsCheckoutAndFreesTheSlot() throws {
        var configuration = RedisConfiguration.testStack()
        configuration.port = 1
        configuration.sentinel = nil  // a fixed, unreachable address even when the suites run through Sentinel
        configuration.clusterNodes = []  // or on the Cluster pass
        let pool = RedisPool(configuration: configuration, size: 1, checkoutTimeoutSeconds: 0.5)
        defer { pool.shutdown() }
        #expect(throws: RedisError.connectionFailed) { try pool.withConnection { _ in () } }
        // The slot came back: a second attempt fails the same way instead of timing out.
        #expect(throws: RedisError.connectionFailed) { try pool.withConnection { _ in () } }
        #expect(pool.stats.inUse == 0)
    }
}
