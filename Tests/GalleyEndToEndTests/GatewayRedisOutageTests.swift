import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// Redis stops while creates go on: every create still succeeds (the task and its
/// outbox row are in PostgreSQL), and once Redis is back the relay puts each accepted
/// task into the stream exactly once.
@Suite struct GatewayRedisOutageTests {
    @Test func createsSurviveARedisOutageAndReachTheStreamExactlyOnce() async throws {
        let redis = RedisServerProcess(port: try GatewayProcess.freePort())
        try await redis.start()
        let gateway: GatewayProcess
        do {
            gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 0, redisPort: redis.port))
        } catch {
            await redis.stop()
            throw error
        }
        do {
            try await run(gateway, redis)
        } catch {
            Issue.record("failed: \(error)\n\(gateway.logTail())")
        }
        await gateway.tearDown()
        await redis.stop()
    }

    func creates(_ gateway: GatewayProcess, token: String, count: Int) async -> [GatewayHTTPResponse] {
        let port = gateway.port
        let body = JSONWriter.bytes(["image_url": "https://img.example/a.jpg", "driven_id": "d",
                                     "face_bbox": [1, 2, 3, 4], "ext_bbox": [5, 6, 7, 8]])
        return await concurrently(count) { _ in
            try GatewayHTTPClient.request(port: port, method: "POST", path: "/api/v1/emoji/create",
                                          headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                                          body: body)
        }.compactMap { try? $0.get() }
    }

    func run(_ gateway: GatewayProcess, _ redis: RedisServerProcess) async throws {
        let (token, userID) = try await gateway.login()
        try await gateway.fund(userID, 200 * 100)

        let before = await creates(gateway, token: token, count: 5)
        #expect(before.count == 5 && before.allSatisfy { $0.status == 200 })
        let beforeIDs = before.compactMap { $0.data?["id"]?.int64Value.map(String.init) }
        let streamBefore = try await gateway.waitForStream(beforeIDs)
        for id in beforeIDs { #expect(streamBefore.filter { $0 == id }.count == 1) }

        await redis.stop()
        let during = await creates(gateway, token: token, count: 10)
        #expect(during.count == 10)
        #expect(during.allSatisfy { $0.status == 200 && $0.code == 0 }, "\(during.map { "\($0.status) \($0.text)" })")
        let duringIDs = during.compactMap { $0.data?["id"]?.int64Value.map(String.init) }
        #expect(duringIDs.count == 10)
        let ready = try await gateway.get("/api/v1/ready")
        #expect(ready.status == 503 && ready.code == 503000 && ready.message == "Service unavailable: redis")
        #expect(ready.header("Retry-After") != nil)
        // Logins still work: the rate limiter lets requests through while Redis is away.
        #expect((try? await gateway.login()) != nil)

        // The relay keeps trying and records why it could not send.
        try await Task.sleep(for: .seconds(5))
        let waiting = try await gateway.sql("SELECT count(*)::int AS n, COALESCE(max(attempts), 0) AS attempts FROM outbox")
        #expect(try waiting.first?.decode(Int.self, "n") == 10)
        #expect(try (waiting.first?.decode(Int.self, "attempts") ?? 0) >= 1)

        try await redis.start()
        let after = await creates(gateway, token: token, count: 5)
        #expect(after.count == 5 && after.allSatisfy { $0.status == 200 })
        let afterIDs = after.compactMap { $0.data?["id"]?.int64Value.map(String.init) }

        var left = 1
        for _ in 0..<100 where left > 0 {
            try await Task.sleep(for: .milliseconds(200))
            left = try await gateway.sql("SELECT count(*)::int AS n FROM outbox").first?.decode(Int.self, "n") ?? -1
        }
        #expect(left == 0)
        let stream = try await gateway.streamTaskIDs()
        for id in duringIDs + afterIDs {
            #expect(stream.filter { $0 == id }.count == 1, "task \(id) appears \(stream.filter { $0 == id }.count) times")
        }
        #expect(Set(stream).count == stream.count, "no entry twice")
        #expect(try await gateway.get("/api/v1/ready").status == 200)
        let ledger = try await gateway.sql("SELECT balance FROM user_points WHERE user_id = $1", [userID])
        #expect(try ledger.first?.decode(Int.self, "balance") == 200 * 100 - 20 * 200)
    }
}
