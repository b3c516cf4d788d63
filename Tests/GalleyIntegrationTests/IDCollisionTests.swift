import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
import GalleyTestSupport

/// An insert whose Snowflake id another process minted (the original on node 0 during
/// a rolling switch) runs again with a fresh id; other unique violations do not.
@Suite struct IDCollisionTests {
    @Test func aPrimaryKeyCollisionIsRetriedWithAFreshID() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let pool = database.pool(size: 2)
        defer { pool.close() }
        try pool.withConnection { try $0.execute("INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES (42, 'taken', false, now(), now())") }
        var minted = [Int64(42), 43]
        var attempts = 0
        let id = try IDCollision.retrying { () throws -> Int64 in
            attempts += 1
            let next = minted.removeFirst()
            try pool.withTransaction { connection in
                try connection.execute(
                    "INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES ($1, 'fresh', false, now(), now())", [next])
            }
            return next
        }
        #expect(id == 43 && attempts == 2)

        // The same device again is a data conflict (device_id), not an id collision.
        attempts = 0
        #expect(throws: PostgresError.self) {
            try IDCollision.retrying {
                attempts += 1
                try pool.withConnection { connection in
                    try connection.execute(
                        "INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES (44, 'fresh', false, now(), now())")
                }
            }
        }
        #expect(attempts == 1)
        // An id that stays taken fails after the last attempt instead of looping.
        attempts = 0
        #expect(throws: PostgresError.self) {
            try IDCollision.retrying(attempts: 3) {
                attempts += 1
                try pool.withConnection { try $0.execute("INSERT INTO users (id, device_id, is_vip, created_at, updated_at) VALUES (42, 'x', false, now(), now())") }
            }
        }
        #expect(attempts == 3)
    }
}
