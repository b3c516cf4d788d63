import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyRuntime
import GalleyTestSupport

/// Leases use the contract's fixed key names, so these tests run in their own Redis
/// database to keep clear of a fleet using database 0. Serialized: its tests share those
/// keys and time short leases, so one test's lease or cleanup must not meet another's.
@Suite(.serialized) struct SnowflakeNodeLeaseTests {
    private static let database = 11

    private func makePool() -> RedisPool {
        RedisPool(configuration: .testStack(database: SnowflakeNodeLeaseTests.database), size: 2)
    }

    private func waitUntil(seconds: Double = 10, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    @Test func leasesWithoutExplicitIdsGetDifferentIds() throws {
        let pool = makePool()
        defer { pool.shutdown() }
        let first = try SnowflakeNodeLease.acquire(pool: pool, nodeID: nil)
        let second = try SnowflakeNodeLease.acquire(pool: pool, nodeID: nil)
        #expect(first.nodeID != second.nodeID)
        #expect(first.token != second.token)
        #expect(try pool.withConnection { try $0.get(first.key) } == first.token)
        #expect(try pool.withConnection { try $0.get(second.key) } == second.token)
        first.release()
        second.release()
        #expect(!first.isHeld)
        #expect(try pool.withConnection { try $0.get(first.key) } == nil)
        #expect(try pool.withConnection { try $0.get(second.key) } == nil)
    }

    @Test func explicitIdHeldByALiveLeaseIsAPreferenceUntilReleased() throws {
        let pool = makePool()
        defer { pool.shutdown() }
        let holder = try SnowflakeNodeLease.acquire(pool: pool, nodeID: nil)
        let environment = ["SNOWFLAKE_NODE_ID": String(holder.nodeID)]
        // Taken: the second process starts anyway, on another id it holds itself.
        let other = try SnowflakeNodeLease.acquire(pool: pool, environment: environment)
        #expect(other.nodeID != holder.nodeID)
        #expect(try pool.withConnection { try $0.get(other.key) } == other.token)
        #expect(try pool.withConnection { try $0.get(holder.key) } == holder.token)
        #expect(holder.isHeld && other.isHeld)
        other.release()
        holder.release()

        let claimed = try SnowflakeNodeLease.acquire(pool: pool, environment: environment)
        defer { claimed.release() }
        #expect(claimed.nodeID == holder.nodeID)
        #expect(try claimed.makeGenerator().nodeID == holder.nodeID)
    }

    @Test func everyProcessOfTheOriginalEnvStartsOnADistinctId() throws {
        let pool = makePool()
        defer { pool.shutdown() }
        // The original's .env gives every process SNOWFLAKE_NODE_ID=0.
        let leases = try (0..<4).map { _ in try SnowflakeNodeLease.acquire(pool: pool, environment: ["SNOWFLAKE_NODE_ID": "0"]) }
        defer { leases.forEach { $0.release() } }
        #expect(Set(leases.map(\.nodeID)).count == 4)
        #expect(leases.allSatisfy { $0.isHeld })
    }

    @Test func releasingTwiceOrAfterAnotherTookOverLeavesTheOtherAlone() throws {
        let pool = makePool()
        defer { pool.shutdown() }
        let lease = try SnowflakeNodeLease.acquire(pool: pool, nodeID: nil)
        _ = try pool.withConnection { try $0.set(lease.key, "someone-else", expireSeconds: 30) }
        lease.release()
        lease.release()
        #expect(try pool.withConnection { try $0.get(lease.key) } == "someone-else")
        try pool.withConnection { _ = try $0.del(lease.key) }
    }

    @Test func renewalKeepsTheKeyAndRestoresItWhenItVanishes() async throws {
        let pool = makePool()
        defer { pool.shutdown() }
        let lease = try SnowflakeNodeLease.acquire(pool: pool, nodeID: nil, ttlMilliseconds: 2000)
        defer { lease.release() }
        try await Task.sleep(for: .milliseconds(5000))  // 2.5 TTLs: alive only if renewed
        #expect(try await pool.withConnection { try $0.get(lease.key) } == lease.token)

        try await pool.withConnection { _ = try $0.del(lease.key) }  // as if Redis restarted empty
        let restored = try await waitUntil { try pool.withConnection { try $0.get(lease.key) } == lease.token }
        #expect(restored)
        #expect(lease.isHeld)
    }

    @Test func takeoverByAnotherProcessIsNoticed() async throws {
        let pool = makePool()
        defer { pool.shutdown() }
        let lostNode = Atomic<Int>(-1)
        let lease = try SnowflakeNodeLease.acquire(
            pool: pool, nodeID: nil, ttlMilliseconds: 300, onLost: { lostNode.store($0, ordering: .relaxed) })
        _ = try await pool.withConnection { try $0.set(lease.key, "intruder", expireSeconds: 30) }
        // isHeld flips before onLost runs on the renewal thread: wait for both.
        let noticed = try await waitUntil { !lease.isHeld && lostNode.load(ordering: .relaxed) != -1 }
        #expect(noticed)
        #expect(lostNode.load(ordering: .relaxed) == lease.nodeID)
        lease.release()
        #expect(try await pool.withConnection { try $0.get(lease.key) } == "intruder")
        try await pool.withConnection { _ = try $0.del(lease.key) }
    }

    @Test func readsTheNodeIdFromTheEnvironment() throws {
        #expect(try SnowflakeNodeLease.nodeID(fromEnvironment: [:]) == nil)
        #expect(try SnowflakeNodeLease.nodeID(fromEnvironment: ["SNOWFLAKE_NODE_ID": ""]) == nil)
        #expect(try SnowflakeNodeLease.nodeID(fromEnvironment: ["SNOWFLAKE_NODE_ID": " 7 "]) == 7)
        for bad in ["abc", "1024", "-1", "3.5"] {
            #expect(throws: SnowflakeError.invalidNodeID) {
                try SnowflakeNodeLease.nodeID(fromEnvironment: ["SNOWFLAKE_NODE_ID": bad])
            }
        }
    }
}
