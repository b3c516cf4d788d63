import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
import GalleyTestSupport

@Suite struct RedisStreamsTests {
    /// A fresh stream with a group; the stream is deleted when the test ends.
    private func withStream(
        _ body: (RedisConnection, _ stream: String, _ group: String) throws -> Void
    ) throws {
        let connection = try RedisConnection.testStack()
        let stream = TestEnvironment.uniqueName("redis:stream")
        let group = "workers"
        defer { _ = try? connection.del(stream) }
        try connection.xgroupCreate(stream, group: group)
        try body(connection, stream, group)
    }

    @Test func creatingAGroupTwiceIsFine() throws {
        try withStream { connection, stream, group throws in
            #expect(try connection.xgroupCreate(stream, group: group) == false)
            #expect(try connection.xgroupCreate(stream, group: "other", startID: "$") == true)
            #expect(try connection.xinfoGroups(stream).map(\.name).sorted() == ["other", "workers"])
            #expect(try connection.xlen(stream) == 0)  // MKSTREAM made an empty stream
        }
    }

    @Test func approximateMaxLengthTrims() throws {
        try withStream { connection, stream, _ in
            for index in 0..<1000 {
                try connection.xadd(stream, maxLength: 10, fields: [("n", String(index))])
            }
            let length = try connection.xlen(stream)
            #expect(length >= 10)
            #expect(length < 1000)
        }
    }

    @Test func claimsMessagesOfAConsumerThatDied() throws {
        try withStream { connection, stream, group in
            let id = try connection.xadd(stream, maxLength: nil, fields: [("task", "42"), ("kind", "emoji")])
            let readByA = try connection.xreadgroup(group: group, consumer: "A", stream: stream, count: 10)
            #expect(readByA == [StreamEntry(id: id, fields: ["task": "42", "kind": "emoji"])])
            // A never acknowledges. Too early for B: nothing has been idle for a minute.
            let early = try connection.xautoclaim(
                stream, group: group, consumer: "B", minIdleMilliseconds: 60_000)
            #expect(early.entries.isEmpty)

            Thread.sleep(forTimeInterval: 0.15)
            let claimed = try connection.xautoclaim(stream, group: group, consumer: "B", minIdleMilliseconds: 100)
            #expect(claimed.entries == readByA)
            #expect(claimed.nextStart == "0-0")
            #expect(claimed.deletedIDs.isEmpty)

            let pending = try connection.xpending(stream, group: group, count: 10)
            #expect(pending.count == 1)
            #expect(pending.first?.id == id)
            #expect(pending.first?.consumer == "B")
            #expect(pending.first?.deliveries == 2)
            #expect(try connection.xpending(stream, group: group, count: 10, consumer: "A").isEmpty)
            let summary = try connection.xpendingSummary(stream, group: group)
            #expect(summary.count == 1 && summary.smallestID == id && summary.consumers == ["B": 1])

            #expect(try connection.xack(stream, group: group, ids: [id]) == 1)
            #expect(try connection.xpending(stream, group: group, count: 10).isEmpty)
            let after = try connection.xpendingSummary(stream, group: group)
            #expect(after.count == 0 && after.smallestID == nil && after.consumers.isEmpty)
            #expect(try connection.xack(stream, group: group, ids: [id]) == 0)
        }
    }

    @Test func autoclaimAllFollowsTheCursorWithinItsBound() throws {
        try withStream { connection, stream, group in
            for index in 0..<25 { try connection.xadd(stream, maxLength: nil, fields: [("n", String(index))]) }
            #expect(try connection.xreadgroup(group: group, consumer: "A", stream: stream, count: 100).count == 25)
            Thread.sleep(forTimeInterval: 0.15)
            let some = try connection.xautoclaimAll(
                stream, group: group, consumer: "B", minIdleMilliseconds: 100, count: 5, maxEntries: 12)
            #expect(some.entries.count == 12)
            let rest = try connection.xautoclaimAll(
                stream, group: group, consumer: "C", minIdleMilliseconds: 100, count: 10, maxEntries: 100)
            #expect(rest.entries.count == 13)
            #expect(rest.nextStart == "0-0")
            #expect(Set(some.entries.map(\.id)).isDisjoint(with: rest.entries.map(\.id)))
        }
    }

    @Test func deletedPendingMessagesAreReported() throws {
        try withStream { connection, stream, group in
            let id = try connection.xadd(stream, maxLength: nil, fields: [("a", "1")])
            _ = try connection.xreadgroup(group: group, consumer: "A", stream: stream, count: 10)
            #expect(try connection.xdel(stream, ids: [id]) == 1)

            let history = try connection.xreadgroup(group: group, consumer: "A", stream: stream, count: 10, startID: "0")
            #expect(history == [StreamEntry(id: id, fields: [:], isDeleted: true)])

            Thread.sleep(forTimeInterval: 0.15)
            let claimed = try connection.xautoclaim(stream, group: group, consumer: "B", minIdleMilliseconds: 100)
            #expect(claimed.entries.isEmpty)
            #expect(claimed.deletedIDs == [id])
        }
    }

    @Test func groupInfoReportsPendingAndLag() throws {
        try withStream { connection, stream, group in
            var ids: [String] = []
            for index in 0..<3 { ids.append(try connection.xadd(stream, maxLength: nil, fields: [("n", String(index))])) }
            #expect(try connection.xreadgroup(group: group, consumer: "A", stream: stream, count: 2).count == 2)
            let info = try connection.xinfoGroups(stream)
            #expect(info.count == 1)
            #expect(info.first?.name == group)
            #expect(info.first?.consumers == 1)
            #expect(info.first?.pending == 2)
            #expect(info.first?.lastDeliveredID == ids[1])
            #expect(info.first?.entriesRead == 2)
            #expect(info.first?.lag == 1)
        }
    }

    @Test func blockingReadOnAnEmptyStreamReturnsNothing() throws {
        try withStream { connection, stream, group in
            let started = Date()
            let entries = try connection.xreadgroup(
                group: group, consumer: "A", stream: stream, count: 10, blockMilliseconds: 200)
            #expect(entries.isEmpty)
            #expect(Date().timeIntervalSince(started) >= 0.15)  // the server did block
            #expect(!connection.isBroken)
            #expect(connection.timeoutSeconds == 5)
            #expect(try connection.command("PING") == .status("PONG"))
        }
    }

    @Test func blockLongerThanTheCommandTimeoutDoesNotBreakTheConnection() throws {
        let connection = try RedisConnection.testStack(commandTimeoutSeconds: 0.2)
        let stream = TestEnvironment.uniqueName("redis:stream")
        defer { _ = try? connection.del(stream) }
        try connection.xgroupCreate(stream, group: "g")
        let entries = try connection.xreadgroup(
            group: "g", consumer: "A", stream: stream, count: 1, blockMilliseconds: 500)
        #expect(entries.isEmpty)
        #expect(!connection.isBroken)
        #expect(connection.timeoutSeconds == 0.2)
    }

    @Test func missingGroupIsAServerError() throws {
        let connection = try RedisConnection.testStack()
        let stream = TestEnvironment.uniqueName("redis:stream")
        defer { _ = try? connection.del(stream) }
        try connection.xadd(stream, maxLength: nil, fields: [("a", "b")])
        do {
            _ = try connection.xreadgroup(group: "nope", consumer: "A", stream: stream, count: 1)
            Issue.record("reading with a missing group must fail")
        } catch let error as RedisError {
            #expect(error.serverCode == "NOGROUP")
            #expect(!error.description.contains(stream))
        }
        #expect(throws: RedisError.invalidArgument) {
            try connection.xreadgroup(group: "g", consumer: "A", stream: stream, count: 1, blockMilliseconds: 0)
        }
    }
}
