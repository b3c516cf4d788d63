import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyLedger
@testable import GalleyEmoji
@testable import GalleyTesting
import GalleyTestSupport

/// Switch day (issue 17): tasks the original created and debited before the switch are
/// finished by Galley's EmojiWorker after it, charged once and refunded at most once.
///
/// The golden dump (`Tests/Fixtures/golden/original.sql`) holds two `pending` tasks the
/// original created: user A's `a3` and user B's `b1`, each debited 200 by an original
/// `consume` row that carries no reference to its task. The test loads the dump, lets a
/// real APIGateway migrate it, writes the stream entries exactly as the original's
/// `POST /emoji/create` wrote them (`XADD emoji_tasks` with `task_id, user_id, image_url,
/// driven_id, detect_result`, the last one Python's `json.dumps`), and runs a real
/// EmojiWorker on them.
@Suite(.serialized)
struct OriginalTaskSwitchTests {
    /// Redis database 1: used by no other suite (the stream name is fixed by the contract).
    static let redisDatabase = 1
    static let userA: Int64 = 386266821075927040
    static let userB: Int64 = 386266821147230208
    static let taskA: Int64 = 386266873408258048
    static let taskB: Int64 = 386266873496338432
    static let stream = EmojiWorkerConfiguration.stream
    static let group = EmojiWorkerConfiguration.group

    /// The entry the original's create wrote for each pending task of the dump (the row's
    /// own values; `detect_result` as `json.dumps` writes it, with ", " and ": ").
    static let originalEntries: [Int64: [(String, String)]] = [
        taskA: [("task_id", String(taskA)), ("user_id", String(userA)),
                ("image_url", "https://example.com/golden/a3.webp"), ("driven_id", "mengwa_kaixin"),
                ("detect_result", #"{"face_bbox": [1, 2, 3, 4], "ext_bbox": [5, 6, 7, 8], "raw": null}"#)],
        taskB: [("task_id", String(taskB)), ("user_id", String(userB)),
                ("image_url", "https://example.com/golden/b1.jpg"), ("driven_id", "mengwa_kaixin"),
                ("detect_result", #"{"face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": {"mock": true}}"#)],
    ]

    /// A's task was in the original worker's hands when it stopped (read by consumer `c1`,
    /// never acked, row `processing`); B's was never read. Both complete under Galley
    /// (mock provider), nothing is charged again or refunded, and the gateway shows them.
    @Test func pendingTasksOfTheOriginalCompleteUnderGalley() async throws {
        let gateway = try await Self.startGateway()
        var worker: WorkerProcess?
        do {
            try await Self.enqueueAsTheOriginal(on: gateway, tasks: [Self.taskA, Self.taskB])
            // The original's worker had taken A (XREADGROUP as `c1`, then `processing`) and stopped.
            let taken = try await gateway.redis { connection in
                try connection.checkedCommand(["XREADGROUP", "GROUP", .string(Self.group), "c1", "COUNT", "1",
                                               "STREAMS", .string(Self.stream), ">"])
            }
            #expect(taken.arrayValue?.isEmpty == false)
            _ = try await gateway.sql("UPDATE emoji_tasks SET status = 'processing' WHERE id = $1", [Self.taskA])
            let before = try await Self.ledgerRows(gateway, users: [Self.userA, Self.userB])

            worker = try Self.startWorker(for: gateway, consumer: "galley-switch-1", [
                "ALIYUN_EMOJI_MOCK": "true", "EMOJI_MOCK_DELAY_SECONDS": "0.5",
            ])
            let statuses = try await Self.waitUntilTerminal(gateway, [Self.taskA, Self.taskB])
            #expect(statuses == [Self.taskA: "completed", Self.taskB: "completed"], "\(worker?.output.suffix(3000) ?? "")")

            // Charged once (by the original), never again and never refunded.
            #expect(try await Self.ledgerRows(gateway, users: [Self.userA, Self.userB]) == before)
            for (user, balance) in [(Self.userA, 4200), (Self.userB, 800)] {
                let audit = try await Self.audit(gateway, user)
                #expect(audit.balance == balance && audit.ledgerSum == balance, "user \(user): \(audit)")
            }
            #expect(try await gateway.sql("SELECT 1 FROM point_transactions WHERE ref_key LIKE 'refund:task:%'").isEmpty)
            #expect(try await gateway.sql("SELECT 1 FROM emoji_tasks WHERE refunded_at IS NOT NULL").isEmpty)
            let summary = try await gateway.redis { try $0.xpendingSummary(Self.stream, group: Self.group) }
            #expect(summary.count == 0)

            // Through Galley's gateway: the task shows its result, and the result is served.
            for (task, user) in [(Self.taskA, Self.userA), (Self.taskB, Self.userB)] {
                let answer = try await gateway.get("/api/v1/emoji/task/\(task)", token: Self.token(user))
                #expect(answer.status == 200, "\(answer.text)")
                #expect(answer.data?["status"]?.stringValue == "completed")
                #expect(answer.data?["points_cost"]?.int64Value == 200)
                let url = try #require(answer.data?["result_url"]?.stringValue)
                let prefix = "http://127.0.0.1:\(gateway.port)/api/v1/storage/results/\(user)/\(task)_"
                #expect(url.hasPrefix(prefix) && url.hasSuffix(".mp4"), "\(url)")
                let video = try await gateway.get(String(url.dropFirst("http://127.0.0.1:\(gateway.port)".count)))
                #expect(video.status == 200 && video.body.count > 100, "\(video.status)")
            }
            // The original's own ledger rows still list through Galley (4 consumes of A, none added).
            let listed = try await gateway.get("/api/v1/points/transactions?page_size=100", token: Self.token(Self.userA))
            #expect(listed.data?["count"]?.int64Value == 6)
        } catch {
            await worker?.stop()
            await gateway.tearDown()
            throw error
        }
        await worker?.stop()
        await gateway.tearDown()
    }

    /// B's task fails under Galley (DashScope answers FAILED): it is refunded exactly once
    /// although the original's debit row names no task, and neither a second delivery of
    /// the original's entry nor the user's delete refunds it again.
    @Test func aFailingTaskOfTheOriginalIsRefundedOnce() async throws {
        var fakeConfiguration = FakeDashScopeConfiguration()
        fakeConfiguration.failureRate = 1
        let fake = FakeDashScope(configuration: fakeConfiguration)
        let fakeServer = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2, handlerThreads: 2),
                                    responder: fake, logger: Logger(label: "fake-dashscope"))
        try fakeServer.start()
        let gateway = try await Self.startGateway()
        var worker: WorkerProcess?
        do {
            try await Self.enqueueAsTheOriginal(on: gateway, tasks: [Self.taskB])
            worker = try Self.startWorker(for: gateway, consumer: "galley-switch-2", [
                "ALIYUN_EMOJI_MOCK": "false", "DASHSCOPE_BASE_URL": "http://127.0.0.1:\(fakeServer.port)",
                "DASHSCOPE_API_KEY": TestEnvironment.uniqueName("sk"), "DASHSCOPE_SUBMIT_RATE": "1000",
            ])
            #expect(try await Self.waitUntilTerminal(gateway, [Self.taskB]) == [Self.taskB: "failed"],
                    "\(worker?.output.suffix(3000) ?? "")")
            try await Self.expectRefundedOnce(gateway)

            // The original's entry delivered again (as a reconciler or the original itself might).
            try await Self.enqueueAsTheOriginal(on: gateway, tasks: [Self.taskB], createGroup: false)
            try await Self.waitForStreamDrained(gateway)
            try await Self.expectRefundedOnce(gateway)

            // The user deletes the failed task through Galley: hidden, not refunded again.
            let deleted = try await gateway.request("DELETE", "/api/v1/emoji/task/\(Self.taskB)", token: Self.token(Self.userB))
            #expect(deleted.status == 200, "\(deleted.text)")
            try await Self.expectRefundedOnce(gateway)
            let listed = try await gateway.get("/api/v1/points/transactions", token: Self.token(Self.userB))
            #expect(listed.data?["data"]?.arrayValue?.first?["type"]?.stringValue == "refund", "\(listed.text)")
        } catch {
            await worker?.stop()
            await gateway.tearDown()
            fakeServer.shutdown(deadline: .seconds(1))
            throw error
        }
        await worker?.stop()
        await gateway.tearDown()
        fakeServer.shutdown(deadline: .seconds(1))
    }

    // MARK: - Helpers

    static func startGateway() async throws -> GatewayProcess {
        try await GatewayProcess.start(GatewayProcess.Options(
            redisDatabase: redisDatabase,
            environment: ["CONFIG_PATH": GoldenFixtures.directory.appendingPathComponent("default_config.json").path],
            prepareDatabase: { try GoldenFixtures.restoreDump(into: $0) }))
    }

    /// What the original's Redis held: the group its worker created at `0` (first start),
    /// then one entry per task, as its create wrote it. Without `createGroup`, one more
    /// entry for a task already enqueued (a redelivery).
    static func enqueueAsTheOriginal(on gateway: GatewayProcess, tasks: [Int64], createGroup: Bool = true) async throws {
        let entries = try tasks.map { task in
            guard let fields = originalEntries[task] else { throw GatewayHTTPClient.ClientError(description: "no entry for \(task)") }
            return fields
        }
        // The entry's values are the row's (the dump's), so the fixture cannot drift from it.
        for task in tasks {
            let row = try #require(try await gateway.sql(
                "SELECT status, source_image_url, detect_result::text AS detect FROM emoji_tasks WHERE id = $1", [task]).first)
            if createGroup { #expect(try row.decode(String.self, "status") == "pending") }
            let fields = Dictionary(uniqueKeysWithValues: originalEntries[task] ?? [])
            #expect(try row.decode(String.self, "source_image_url") == fields["image_url"])
            #expect(try JSONParser.parse(row.decode(String.self, "detect")) == JSONParser.parse(fields["detect_result"] ?? ""))
        }
        try await gateway.redis { connection in
            if createGroup {
                try connection.del([stream, stream + ":dead"])
                _ = try connection.xgroupCreate(stream, group: group, startID: "0")
            }
            for fields in entries { _ = try connection.xadd(stream, maxLength: nil, fields: fields) }
        }
    }

    static func startWorker(for gateway: GatewayProcess, consumer: String, _ overrides: [String: String]) throws -> WorkerProcess {
        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "ENVIRONMENT": "local", "LOG_LEVEL": "info",
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": gateway.database, "DB_POOL_SIZE": "4", "MIGRATE_ON_START": "false",
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort),
            "REDIS_DB": String(redisDatabase), "REDIS_POOL_SIZE": "4",
            "SECRET_KEY": GatewayProcess.secretKey,
            "EMOJI_WORKER_CONSUMER": consumer, "EMOJI_CONCURRENCY": "4",
            "EMOJI_POLL_INTERVAL_SECONDS": "0.2", "EMOJI_POLL_TIMEOUT_SECONDS": "60",
            "EMOJI_CLAIM_IDLE_MILLISECONDS": "500", "EMOJI_LEASE_SECONDS": "2", "EMOJI_MAX_DELIVERIES": "5",
            "EMOJI_READ_BLOCK_MILLISECONDS": "200",
            // The gateway's storage and address: the worker's result URLs are the gateway's.
            "STORAGE_BACKEND": "local", "STORAGE_LOCAL_DIR": gateway.storageDirectory,
            "HOST": "127.0.0.1", "PORT": String(gateway.port),
            "METRICS_PORT": "0", "SHUTDOWN_DEADLINE_SECONDS": "5",
        ]
        environment.merge(overrides) { $1 }
        let path = EmojiWorkerHarness.executable
        guard FileManager.default.isExecutableFile(atPath: path.path) else { throw EmojiWorkerHarness.MissingExecutable(path: path.path) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName(consumer) + ".log")
        return try WorkerProcess(executable: path, environment: environment, log: log)
    }

    /// Each task's status once all are terminal, or as they are after 60 s.
    static func waitUntilTerminal(_ gateway: GatewayProcess, _ tasks: [Int64]) async throws -> [Int64: String] {
        let end = ContinuousClock.now + .seconds(60)
        while true {
            var statuses: [Int64: String] = [:]
            for row in try await gateway.sql("SELECT id, status FROM emoji_tasks WHERE id = ANY($1::bigint[])", [tasks]) {
                statuses[try row.decode(Int64.self, "id")] = try row.decode(String.self, "status")
            }
            let done = statuses.values.allSatisfy(EmojiTaskRecord.terminalStatuses.contains) && statuses.count == tasks.count
            if done || ContinuousClock.now > end { return statuses }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Every entry of the stream was delivered to and acked by the group.
    static func waitForStreamDrained(_ gateway: GatewayProcess) async throws {
        let drained = try await poll {
            let info = try await gateway.redis { connection in
                try connection.checkedCommand(["XINFO", "GROUPS", .string(stream)])
            }
            guard let fields = info.arrayValue?.first?.arrayValue else { return false }
            var values: [String: RedisValue] = [:]
            var index = 0
            while index + 1 < fields.count {
                if let key = fields[index].stringValue { values[key] = fields[index + 1] }
                index += 2
            }
            return values["pending"]?.integerValue == 0 && values["lag"]?.integerValue == 0
        }
        #expect(drained)
    }

    /// True once `condition` holds, false if it still does not after 30 s.
    static func poll(_ condition: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    /// B's task: one `refund` row of +200 under `refund:task:<id>`, flagged, and a balance
    /// back to 1000 that equals the sum of B's ledger (the original's rows included).
    static func expectRefundedOnce(_ gateway: GatewayProcess) async throws {
        let refunds = try await gateway.sql(
            "SELECT type, amount FROM point_transactions WHERE user_id = $1 AND type = 'refund'", [userB])
        #expect(refunds.count == 1)
        #expect(try refunds.first?.decode(Int.self, "amount") == 200)
        #expect(try await gateway.sql("SELECT 1 FROM point_transactions WHERE ref_key = $1",
                                      [EmojiTaskStore.refundReference(taskID: taskB)]).count == 1)
        #expect(try await gateway.sql(
            "SELECT 1 FROM point_transactions WHERE user_id = $1 AND type = 'consume'", [userB]).count == 1)
        let audit = try await Self.audit(gateway, userB)
        #expect(audit.balance == 1000 && audit.ledgerSum == 1000, "\(audit)")
        #expect(try await gateway.sql("SELECT 1 FROM emoji_tasks WHERE id = $1 AND refunded_at IS NOT NULL", [taskB]).count == 1)
    }

    static func audit(_ gateway: GatewayProcess, _ user: Int64) async throws -> (balance: Int, ledgerSum: Int) {
        let configuration = gateway.postgresConfiguration
        return try await onThread {
            let connection = try PostgresConnection(configuration: configuration)
            defer { connection.close() }
            #expect(try Ledger.violations(on: connection).isEmpty)
            return try Ledger.audit(userID: user, on: connection)
        }
    }

    /// Every ledger row of `users` (id, type, amount), to show none was added or changed.
    static func ledgerRows(_ gateway: GatewayProcess, users: [Int64]) async throws -> [String] {
        try await gateway.sql(
            "SELECT id, type, amount FROM point_transactions WHERE user_id = ANY($1::bigint[]) ORDER BY id", [users]
        ).map { "\(try $0.decode(Int64.self, "id")) \(try $0.decode(String.self, "type")) \(try $0.decode(Int.self, "amount"))" }
    }

    static func token(_ user: Int64) -> String {
        JWTSigner(secret: GatewayProcess.secretKey).sign(subject: String(user), expiresAt: Date().addingTimeInterval(3600))
    }
}
