import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyTesting
import GalleyTestSupport

/// The fleet on the three-master Redis Cluster of `scripts/cluster` (REDIS_CLUSTER_NODES,
/// nothing else changed): the gateway's creates reach `emoji_tasks` through the outbox
/// script, an EmojiWorker generates them against the fake DashScope, a webhook is applied
/// by a WebhookWorker, and a reward run finishes. Halfway through, the slot of
/// `emoji_tasks` (with its group, pending entries and outbox markers) is moved to another
/// master: every process follows the MOVED and every task completes, charged once.
@Suite(.serialized, .enabled(if: TestCluster.isAvailable, "scripts/cluster start; eval \"$(scripts/cluster env)\""))
struct ClusterFleetTests {
    static let webhookSecret = "whsec_cluster_fleet"

    @Test func theFleetRunsOnAClusterAndFollowsAMovedStreamSlot() async throws {
        try TestCluster.flushAll()
        let cluster = ["REDIS_CLUSTER_NODES": TestCluster.setting, "REDIS_DB": "0"]
        let harness = try EmojiWorkerHarness(redisDatabase: 8, fake: FakeDashScopeConfiguration())
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(
            redisDatabase: 0, environment: cluster.merging(["REVENUECAT_WEBHOOK_SECRET": Self.webhookSecret]) { $1 }))
        var fleetEnvironment = cluster
        fleetEnvironment["POSTGRES_DB"] = gateway.database
        let worker = try harness.startWorker("cluster-a", concurrency: 20, fleetEnvironment)
        let webhookWorker = try ExecutableProcess.start("WebhookWorker", environment: harness.environment(
            consumer: "unused", concurrency: 1, overrides: fleetEnvironment.merging([
                "REVENUECAT_WEBHOOK_SECRET": Self.webhookSecret, "WEBHOOK_WORKER_CONSUMER": "cluster-webhooks",
            ]) { $1 }))
        do {
            try await run(gateway: gateway, worker: worker, environment: harness.environment(
                consumer: "unused", concurrency: 1, overrides: fleetEnvironment))
        } catch {
            Issue.record("failed: \(error)\n--- gateway\n\(gateway.logTail())\n--- worker\n\(worker.output.suffix(4000))")
        }
        _ = await webhookWorker.stop(seconds: 10)
        await worker.stop()
        await gateway.tearDown()
    }

    func create(_ gateway: GatewayProcess, _ token: String, _ index: Int) async throws -> Int64? {
        let response = try await gateway.post("/api/v1/emoji/create", token: token, json: [
            "image_url": .string("https://img.example/cluster-\(index).jpg"), "driven_id": "mengwa_kaixin",
            "face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200],
        ])
        #expect(response.status == 200, "\(response.text)")
        let id = response.data?["id"]
        return id?.int64Value ?? id?.stringValue.flatMap { Int64($0) }
    }

    func run(gateway: GatewayProcess, worker: WorkerProcess, environment: [String: String]) async throws {
        let (token, userID) = try await gateway.login()
        try await gateway.fund(userID, 100_000)
        var tasks: [Int64] = []
        for index in 0..<10 { if let id = try await create(gateway, token, index) { tasks.append(id) } }

        // Move emoji_tasks' slot (the stream, its group, pending entries, the outbox markers
        // tagged {emoji_tasks}) to another master while the fleet runs.
        let slot = RedisSlot.of("emoji_tasks")
        let source = try #require(try TestCluster.owner(of: slot))
        let target = try #require(TestCluster.nodes?.first { $0 != source })
        _ = try await onThread { try TestCluster.migrate(slot, to: target) }
        #expect(try TestCluster.owner(of: slot) == target)

        for index in 10..<20 { if let id = try await create(gateway, token, index) { tasks.append(id) } }
        #expect(tasks.count == 20)

        // Every task completes, each charged once.
        let deadline = Date().addingTimeInterval(90)
        var completed = 0
        while Date() < deadline {
            let rows = try await gateway.sql("SELECT count(*) AS n FROM emoji_tasks WHERE id = ANY($1) AND status = 'completed'", [tasks])
            completed = try rows.first?.decode(Int.self, "n") ?? 0
            if completed == tasks.count { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(completed == tasks.count)
        let cost = try await gateway.sql("SELECT coalesce(sum(points_cost), 0)::bigint AS n FROM emoji_tasks WHERE id = ANY($1)", [tasks])
        let charged = try cost.first?.decode(Int64.self, "n") ?? 0
        let balance = try await gateway.sql("SELECT balance FROM user_points WHERE user_id = $1", [userID])
        #expect(try balance.first?.decode(Int64.self, "balance") == 100_000 - charged)
        let streamed = try await streamTaskIDs(on: target)
        #expect(Set(streamed).isSuperset(of: Set(tasks.map(String.init))))

        // A webhook through the cluster: a 1000-point pack (the built-in config's) applied once.
        let eventID = TestEnvironment.uniqueName("evt")
        let body = WebhookSamples.body(WebhookSamples.nonRenewingPurchase(
            id: eventID, user: String(userID), product: "points_1000", transactionID: eventID))
        let answer = try await gateway.post("/api/v1/subscription/webhook", json: body,
                                            headers: [("Authorization", Self.webhookSecret)])
        #expect(answer.status == 200, "\(answer.text)")
        var status = ""
        let webhookDeadline = Date().addingTimeInterval(30)
        while Date() < webhookDeadline {
            let rows = try await gateway.sql("SELECT status FROM revenuecat_events WHERE event_id = $1", [eventID])
            status = try rows.first?.decode(String.self, "status") ?? ""
            if status == "processed" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status == "processed")
        let after = try await gateway.sql("SELECT balance FROM user_points WHERE user_id = $1", [userID])
        #expect(try after.first?.decode(Int64.self, "balance") == 100_000 - charged + 1000)

        // A reward run on the cluster (its Redis use: the node-id lease).
        let reward = try await ExecutableProcess.run("RewardWorker", arguments: ["run"], environment: environment)
        #expect(reward.status == 0, "\(reward.stderr.suffix(2000)) \(reward.stdout.suffix(2000))")

        // The gateway followed the move rather than failing sends into the relay.
        let metrics = try await onThread { [port = gateway.port] in
            try GatewayHTTPClient.request(port: port, method: "GET", path: "/metrics", timeoutSeconds: 5).text
        }
        let moved = metrics.split(separator: "\n").first { $0.hasPrefix("galley_redis_cluster_redirects_total{kind=\"moved\"}") }
        #expect(moved.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0 >= 1, "\(moved ?? "no moved counter")")
    }

    /// Task ids in `emoji_tasks`, read on `node` directly.
    func streamTaskIDs(on node: RedisClusterNode) async throws -> [String] {
        try await onThread {
            let reply = try TestCluster.connect(node).checkedCommand(["XRANGE", "emoji_tasks", "-", "+"])
            return (reply.arrayValue ?? []).compactMap { entry -> String? in
                guard let fields = entry.arrayValue?.last?.arrayValue else { return nil }
                for index in stride(from: 0, to: fields.count - 1, by: 2) where fields[index].stringValue == "task_id" {
                    return fields[index + 1].stringValue
                }
                return nil
            }
        }
    }
}
