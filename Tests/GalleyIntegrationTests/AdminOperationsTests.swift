import Foundation
import Synchronization
import Testing
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyLedger
import GalleyWebhooks
@testable import GalleyAdmin
import GalleyTestSupport

/// Every operator action against the real PostgreSQL and Redis: the stores the console and
/// galleyctl share. Redis database 11 holds the real stream names (`emoji_tasks`,
/// `webhook_events`) for this suite alone in this layer (only end-to-end suites, run at another
/// time, use 11 too); it is emptied before each test.
@Suite(.serialized) final class AdminOperationsTests {
    static let redisDatabase = 11
    let harness: WebhookHarness
    let redis = RedisPool(configuration: .testStack(database: AdminOperationsTests.redisDatabase), size: 6, logger: Logger(label: "test"))
    let configFile: String
    let operations: AdminOperations
    let alice = AdminOperator("alice")
    let user: Int64 = WebhookSamples.sampleUser

    init() throws {
        harness = try WebhookHarness()
        try harness.createUser(user)
        try TestEnvironment.flushRedis(redis)
        configFile = NSTemporaryDirectory() + TestEnvironment.uniqueName("admin-config") + ".json"
        try JSONWriter.string(WebhookSamples.config.document).write(toFile: configFile, atomically: true, encoding: .utf8)
        let ids = harness.ids
        operations = AdminOperations(postgres: harness.pool, redis: redis, config: try BusinessConfigStore(path: configFile),
                                     applySandboxEvents: true, ids: { ids })
    }

    deinit {
        try? TestEnvironment.flushRedis(redis)
        redis.shutdown()
        try? FileManager.default.removeItem(atPath: configFile)
    }

    // MARK: helpers

    func waitUntil(timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if (try? condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (try? condition()) == true
    }

    func count(_ sql: String, _ binds: [any PostgresEncodable] = []) throws -> Int {
        try harness.pool.withConnection { try $0.query(sql, binds).first?.decode(Int.self, at: 0) ?? -1 }
    }

    /// Runs `body` and checks it throws an ``AdminError`` of `kind` (the message is for people).
    func expectAdmin(_ kind: AdminError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
        do {
            _ = try body()
            Issue.record("expected \(kind), nothing thrown", sourceLocation: sourceLocation)
        } catch let error as AdminError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected \(kind), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Every string in a Redis reply, flattened.
    static func strings(_ value: RedisValue) -> [String] {
        if let array = value.arrayValue { return array.flatMap(strings) }
        return value.stringValue.map { [$0] } ?? []
    }

    func auditCount(_ action: String) throws -> Int {
        try count("SELECT count(*)::int FROM admin_audit WHERE action = $1", [action])
    }

    /// A task row as the gateway writes it, charged through the ledger; `failed` ones refunded too.
    @discardableResult
    func makeTask(status: String, cost: Int = 200, providerTaskID: String? = nil) throws -> Int64 {
        let id = harness.ids.next()
        let ledger = Ledger(nextID: { [ids = harness.ids] in ids.next() })
        let user = self.user
        try harness.pool.withTransaction { connection in
            try connection.execute("""
                INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost, aliyun_task_id,
                                         error_code, created_at, updated_at, started_at, submitted_at, completed_at)
                VALUES ($1, $2, 'mengwa_kaixin', 'https://example.test/a.jpg', '{"face_bbox":[1,2,3,4]}'::json, $3::varchar, $4, $5,
                        CASE WHEN $3::varchar = 'failed' THEN 'ProviderFailed' END, now(), now(), now(), now(),
                        CASE WHEN $3::varchar IN ('failed', 'completed') THEN now() END)
                """, [id, user, status, cost, providerTaskID])
            _ = try ledger.apply(LedgerEntry(userID: user, amount: -cost, kind: .consume, taskType: "emoji",
                                             reference: "consume:task:\(id)"), on: connection)
            if status == "failed" {
                _ = try ledger.apply(LedgerEntry(userID: user, amount: cost, kind: .refund, taskType: "emoji",
                                                 reference: "refund:task:\(id)"), on: connection)
                try connection.execute("UPDATE emoji_tasks SET refunded_at = now() WHERE id = $1", [id])
            }
        }
        return id
    }

    // MARK: dead letters

    /// An entry naming an event the database does not have yet is retried, then dead-lettered;
    /// once the row exists, replaying the dead letter applies it. A second replay finds it gone.
    @Test func poisonWebhookEntryDeadLetteredThenReplayedCompletes() async throws {
        _ = try await redis.withConnection { try $0.xadd("webhook_events", maxLength: nil, fields: [("event_id", "late-pack")]) }
        let handler = WebhookStreamHandler(applier: harness.applier, pool: harness.pool, metrics: WebhookMetrics(registry: MetricsRegistry()))
        var configuration = StreamConsumerConfiguration(stream: "webhook_events", group: "webhook_worker", consumer: "admin-test")
        configuration.readBlock = .milliseconds(100)
        configuration.claimMinIdle = .milliseconds(200)
        configuration.claimInterval = .milliseconds(100)
        configuration.heartbeatInterval = .milliseconds(50)
        configuration.maxDeliveries = 2
        configuration.shutdownDeadline = .seconds(2)
        let consumer = StreamConsumer(configuration: configuration, redis: redis, handler: handler, logger: Logger(label: "test"),
                                      metrics: MetricsRegistry())
        let running = Task { try await consumer.run() }
        defer { consumer.shutdown() }

        let operations = self.operations
        #expect(await waitUntil { try operations.deadLetters(.webhookEvents).items.count == 1 })
        let letter = try #require(try operations.deadLetters(.webhookEvents).items.first)
        #expect(letter.payload == ["event_id": "late-pack"])
        #expect(letter.deliveries == 3)
        #expect(letter.reason?.contains("delivered 3 times") == true)
        #expect(letter.target == nil)  // the row does not exist yet
        #expect(operations.overview().streams.first { $0.stream == .webhookEvents }?.deadLetters == 1)

        try harness.store(WebhookSamples.nonRenewingPurchase(id: "late-pack", transactionID: "txn-late"))
        let first = try operations.replayDeadLetters(.webhookEvents, ids: [letter.id], by: alice)
        #expect(first.map(\.outcome) == [.replayed])
        let second = try operations.replayDeadLetters(.webhookEvents, ids: [letter.id], by: alice)
        #expect(second.map(\.outcome) == [.gone])

        let harness = self.harness
        #expect(await waitUntil { try harness.eventRow("late-pack").status == "processed" })
        #expect(try harness.balance(user) == 2100)
        #expect(try operations.deadLetters(.webhookEvents).items.isEmpty)
        #expect(try auditCount("dead.replay") == 1)
        consumer.shutdown()
        try await running.value
        // Replayed once: the pack was credited once, however many replays were asked for.
        #expect(try harness.ledger(user).count == 1)
    }

    /// Replaying a dead emoji entry whose task still waits puts the same fields back; one whose
    /// task already failed (and was refunded) is left, saying to retry it as a new task.
    @Test func emojiDeadLettersReplayOnlyWhatCanStillRun() throws {
        try credit(1000)
        let pending = try makeTask(status: "pending")
        let failed = try makeTask(status: "failed")
        let ids = try redis.withConnection { connection in
            try [pending, failed].map { task in
                try connection.xadd("emoji_tasks:dead", maxLength: nil, fields: [
                    ("task_id", String(task)), ("user_id", String(user)), ("image_url", "https://example.test/a.jpg"),
                    ("driven_id", "mengwa_kaixin"), ("detect_result", "{}"), ("reason", "delivered 6 times (max 5)"),
                    ("deliveries", "6"), ("original_id", "1-0"),
                ])
            }
        }
        let page = try operations.deadLetters(.emojiTasks)
        #expect(page.items.map(\.id) == ids.reversed())
        #expect(page.items.first { $0.id == ids[1] }?.target?.status == "failed")
        #expect(page.items.first { $0.id == ids[0] }?.target?.status == "pending")

        let results = try operations.replayDeadLetters(.emojiTasks, ids: ids, by: alice)
        #expect(results.map(\.outcome) == [.replayed, .skipped])
        #expect(results[1].detail?.contains("retry") == true)
        let requeued = try redis.withConnection { try $0.command(["XRANGE", "emoji_tasks", "-", "+"]) }
        #expect(requeued.arrayValue?.count == 1)
        let words = AdminOperationsTests.strings(requeued)
        #expect(words.contains(String(pending)) && words.contains("task_id") && words.contains("detect_result"))
        #expect(!words.contains("original_id") && !words.contains("reason"))

        // Delete: audited with its payload; again: gone, no second audit row.
        #expect(try operations.deleteDeadLetters(.emojiTasks, ids: [ids[1]], by: alice).map(\.outcome) == [.deleted])
        #expect(try operations.deleteDeadLetters(.emojiTasks, ids: [ids[1]], by: alice).map(\.outcome) == [.gone])
        #expect(try auditCount("dead.delete") == 1)
        #expect(try operations.deadLetters(.emojiTasks).items.isEmpty)
        #expect(throws: AdminError.self) { try operations.deadLetter(.emojiTasks, id: "not-an-id") }
    }

    @Test func deadLetterPagesWalkEveryEntryOnce() throws {
        let written = try redis.withConnection { connection in
            try (0..<7).map { try connection.xadd("webhook_events:dead", maxLength: nil, fields: [("event_id", "e\($0)"), ("reason", "r")]) }
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try operations.deadLetters(.webhookEvents, page: AdminPageRequest(limit: 3, cursor: cursor))
            #expect(page.items.count <= 3)
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == written.reversed())
    }

    // MARK: points

    func credit(_ amount: Int) throws {
        _ = try operations.adjustPoints(userID: user, amount: amount, reason: "seed", by: AdminOperator("seed"))
    }

    @Test func pointsAdjustNeverGoesNegativeAndWritesLedgerAndAudit() throws {
        let credited = try operations.adjustPoints(userID: user, amount: 500, reason: "paid, got nothing", by: alice)
        #expect(credited.balanceBefore == 0 && credited.balanceAfter == 500 && credited.kind == "reward")
        expectAdmin(.insufficientPoints) {
            try self.operations.adjustPoints(userID: self.user, amount: -501, reason: "too much", by: self.alice)
        }
        #expect(try harness.balance(user) == 500)
        let debited = try operations.adjustPoints(userID: user, amount: -500, reason: "reversal", by: alice)
        #expect(debited.balanceAfter == 0 && debited.kind == "consume")
        #expect(try harness.ledger(user).count == 2)
        #expect(try auditCount("points.adjust") == 2)  // the refused debit wrote nothing
        let audit = try operations.audit(AdminAuditQuery(action: "points.adjust")).items
        #expect(audit.first?.actor == "alice" && audit.first?.target == "user:\(user)")
        #expect(audit.first?.after?.objectValue?["reason"]?.stringValue == "reversal")
        #expect(audit.first?.before?.objectValue?["balance"]?.int64Value == 500)
        // Ledger rows are of types the app knows; balance equals the ledger's sum.
        let types = try harness.pool.withConnection { try $0.query("SELECT DISTINCT type FROM point_transactions").rows.map { try $0.decode(String.self, at: 0) } }
        #expect(Set(types).isSubset(of: ["consume", "purchase", "reward", "refund"]))
        let (balance, sum) = try harness.pool.withConnection { try Ledger.audit(userID: self.user, on: $0) }
        #expect(balance == sum)
        #expect(throws: AdminError.self) { try self.operations.adjustPoints(userID: 999, amount: 5, reason: "x", by: self.alice) }
        #expect(throws: AdminError.self) { try self.operations.adjustPoints(userID: self.user, amount: 5, reason: "  ", by: self.alice) }
    }

    @Test func concurrentDebitsStopAtZeroAndARequestKeyAppliesOnce() async throws {
        try credit(500)
        let operations = self.operations
        let user = self.user
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask {
                    (try? await adminTestThread { try operations.adjustPoints(userID: user, amount: -100, reason: "debit \(index)", by: AdminOperator("t")) }) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 5)
        #expect(try harness.balance(user) == 0)
        let once = try operations.adjustPoints(userID: user, amount: 42, reason: "form", requestKey: "form-1", by: alice)
        let twice = try operations.adjustPoints(userID: user, amount: 42, reason: "form", requestKey: "form-1", by: alice)
        #expect(!once.duplicate && twice.duplicate)
        #expect(try harness.balance(user) == 42)
        #expect(try count("SELECT count(*)::int FROM user_points WHERE balance < 0") == 0)
    }

    // MARK: tasks

    @Test func tasksAreFoundByEveryKeyWithTheirTimeline() throws {
        try credit(1000)
        let failed = try makeTask(status: "failed", providerTaskID: "ds-123")
        let done = try makeTask(status: "completed")
        #expect(try operations.searchTasks(.user(user)).items.map(\.id) == [done, failed])
        #expect(try operations.searchTasks(.device("device-\(user)")).items.count == 2)
        #expect(try operations.searchTasks(.task(failed)).items.map(\.id) == [failed])
        #expect(try operations.searchTasks(.providerTask("ds-123")).items.map(\.id) == [failed])
        #expect(try operations.searchTasks(.user(user), page: AdminPageRequest(limit: 1)).nextCursor == String(done))

        let detail = try #require(try operations.task(id: failed))
        #expect(detail.timeline.map(\.step) == ["created", "charged", "enqueued", "picked_up", "submitted", "finished", "refunded"])
        #expect(detail.ledger.map(\.kind) == ["consume", "refund"])
        #expect(try operations.task(id: 1) == nil)
    }

    @Test func retryingAFailedTaskNeedsConfirmationThenChargesANewTask() throws {
        try credit(250)
        let failed = try makeTask(status: "failed")
        let before = try harness.balance(user)
        expectAdmin(.confirmationRequired) {
            try self.operations.retryTask(id: failed, confirm: false, by: self.alice)
        }
        #expect(try count("SELECT count(*)::int FROM emoji_tasks") == 1)
        let retry = try operations.retryTask(id: failed, confirm: true, by: alice)
        #expect(retry.pointsCharged == 200 && retry.balanceAfter == before - 200)
        let newTask = try #require(try operations.task(id: retry.newTaskID))
        #expect(newTask.task.status == "pending" && newTask.ledger.map(\.kind) == ["consume"])
        #expect(try count("SELECT count(*)::int FROM outbox") == 0)  // sent, not left for a relay
        #expect(try redis.withConnection { try $0.xlen("emoji_tasks") } == 1)
        #expect(try auditCount("task.retry") == 1)
        // Not enough points left for another: refused, nothing written.
        expectAdmin(.insufficientPoints) { try self.operations.retryTask(id: failed, confirm: true, by: self.alice) }
        #expect(try count("SELECT count(*)::int FROM emoji_tasks") == 2)
        // Only failed tasks.
        expectAdmin(.conflict) { try self.operations.retryTask(id: retry.newTaskID, confirm: true, by: self.alice) }
    }

    /// A waiting task whose entry was lost goes back on the stream, through the outbox; no points move.
    @Test func aWaitingTaskIsRequeuedWithoutCharging() throws {
        try credit(500)
        let pending = try makeTask(status: "pending")
        let failed = try makeTask(status: "failed")
        let balance = try harness.balance(user)
        #expect(try operations.requeueTask(id: pending, by: alice).id == pending)
        #expect(try operations.requeueTask(id: pending, by: alice).id == pending)
        let words = AdminOperationsTests.strings(try redis.withConnection { try $0.command(["XRANGE", "emoji_tasks", "-", "+"]) })
        #expect(words.filter { $0 == String(pending) }.count == 2)
        #expect(try count("SELECT count(*)::int FROM outbox") == 0)
        #expect(try harness.balance(user) == balance)
        expectAdmin(.conflict) { try self.operations.requeueTask(id: failed, by: self.alice) }
        expectAdmin(.notFound) { try self.operations.requeueTask(id: 12, by: self.alice) }
        #expect(try auditCount("task.requeue") == 2)
    }

    // MARK: webhook events

    @Test func eventsAreFoundAndReplayedOnce() async throws {
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "pack-1", transactionID: "txn-1"))
        try harness.store(WebhookSamples.lifecycle(
            type: "INITIAL_PURCHASE", id: "stranger", appUserID: "nobody-yet", originalAppUserID: nil, aliases: [],
            product: "com.subscription.weekly", purchasedAt: 1_658_726_374_000, expiration: 1_659_331_174_000,
            timestamp: 1_658_726_378_679, transactionID: "txn-stranger"))
        try await harness.deliver("stranger")  // parked: its user is unknown
        #expect(try operations.searchEvents(.user(user)).items.map(\.eventID) == ["pack-1"])
        #expect(try operations.searchEvents(.transaction("txn-1")).items.map(\.eventID) == ["pack-1"])
        #expect(try operations.searchEvents(.event("stranger")).items.first?.status == "parked")
        #expect(try operations.searchEvents(.waiting).items.map(\.eventID) == ["stranger"])
        #expect(try operations.searchEvents(.status("processed")).items.map(\.eventID) == ["pack-1"])
        #expect(try operations.event(id: "pack-1")?.payload?.objectValue?["event"] != nil)

        let replayed = try operations.replayEvent(id: "pack-1", by: alice)
        #expect(replayed.outcome == "alreadyDone")
        #expect(try harness.balance(user) == 2100)
        #expect(try auditCount("event.replay") == 1)
        expectAdmin(.notFound) { try self.operations.replayEvent(id: "missing", by: self.alice) }
    }

    // MARK: users, overview, rewards, config

    @Test func userPageShowsProfileLedgerAndOrders() async throws {
        try await harness.receive(WebhookSamples.nonRenewingPurchase(id: "pack-2", transactionID: "txn-2"))
        for index in 0..<5 { _ = try operations.adjustPoints(userID: user, amount: index + 1, reason: "r\(index)", by: alice) }
        let profile = try #require(try operations.user(id: user))
        #expect(profile.balance == 2100 + 15 && profile.deviceID == "device-\(user)")
        #expect(try operations.user(deviceID: "device-\(user)")?.id == user)
        var rows: [AdminLedgerRow] = []
        var cursor: String?
        repeat {
            let page = try operations.ledger(userID: user, page: AdminPageRequest(limit: 4, cursor: cursor))
            rows += page.items
            cursor = page.nextCursor
        } while cursor != nil
        #expect(rows.count == 6 && Set(rows.map(\.id)).count == 6)
        #expect(rows.first?.amount == 5)  // newest first
        #expect(try operations.orders(userID: user).items.first?.status == "paid")
    }

    @Test func overviewCountsStreamsConsumersLeasesAndTheLastHour() throws {
        try credit(1000)
        try makeTask(status: "completed")
        try makeTask(status: "failed")
        try redis.withConnection { connection in
            try connection.xgroupCreate("emoji_tasks", group: "emoji_worker")
            for index in 0..<3 { _ = try connection.xadd("emoji_tasks", maxLength: nil, fields: [("task_id", String(index + 1))]) }
            _ = try connection.xreadgroup(group: "emoji_worker", consumer: "worker-a", stream: "emoji_tasks", count: 2)
        }
        let lease = try SnowflakeNodeLease.acquire(pool: redis, nodeID: 77, logger: Logger(label: "test")) { _ in }
        defer { lease.release() }

        let overview = operations.overview()
        #expect(overview.postgresUp && overview.redisUp)
        let emoji = try #require(overview.streams.first { $0.stream == .emojiTasks })
        #expect(emoji.length == 3 && emoji.pending == 2 && emoji.lag == 1 && emoji.consumers == 1)
        #expect((emoji.oldestPendingAgeSeconds ?? -1) >= 0)
        #expect(overview.consumers.map(\.name) == ["worker-a"])
        #expect(overview.snowflakeNodes.map(\.nodeID) == [77])
        #expect(overview.outboxBacklog == 0)
        #expect(overview.throughput.count == 60)
        #expect(overview.throughput.map(\.tasksCreated).reduce(0, +) == 2)
        #expect(overview.throughput.map(\.tasksCompleted).reduce(0, +) == 1)
        #expect(overview.throughput.map(\.tasksFailed).reduce(0, +) == 1)
    }

    @Test func aPolledOverviewRecountsOnlyItsLastMinutes() throws {
        try credit(1000)
        try makeTask(status: "pending")
        let counted = operations.overview().throughput.map(\.tasksCreated).reduce(0, +)
        #expect(counted == 1)
        // Moved ten minutes back after the count: a finished minute is reused, not recounted...
        let old = try makeTask(status: "pending")
        try harness.pool.withConnection { _ = try $0.execute("UPDATE emoji_tasks SET created_at = now() - interval '10 minutes' WHERE id = $1", [old]) }
        // ...while a task created now is counted in the live tail.
        try makeTask(status: "pending")
        let polled = operations.overview().throughput
        #expect(polled.count == 60)
        #expect(polled.map(\.tasksCreated).reduce(0, +) == 2, "the tail is recounted, the moved minute reused")
        // Once the reuse time has passed, the whole hour is counted again.
        operations.throughputCache.withLock { $0 = $0.map { (countedAt: $0.countedAt.addingTimeInterval(-AdminOperations.throughputReuse), buckets: $0.buckets) } }
        #expect(operations.overview().throughput.map(\.tasksCreated).reduce(0, +) == 3)
    }

    @Test func overviewSaysWhichStoreIsDown() {
        let down = RedisPool(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), size: 1, logger: Logger(label: "test"))
        defer { down.shutdown() }
        let ids = harness.ids
        let broken = AdminOperations(postgres: harness.pool, redis: down, config: operations.config, applySandboxEvents: true, ids: { ids })
        let overview = broken.overview()
        #expect(overview.postgresUp && !overview.redisUp && overview.streams.isEmpty)
    }

    @Test func rewardRunsNeedADryRunThenPayOncePerWeek() throws {
        try harness.pool.withConnection { connection in
            try connection.execute("UPDATE users SET is_vip = true, vip_type = 'lifetime' WHERE id = $1", [self.user])
        }
        let dry = try operations.rewardDryRun(week: "2026-W10")
        #expect(dry.dryRun && dry.eligible == 1 && dry.credited == 1)
        #expect(try harness.balance(user) == 0)
        expectAdmin(.confirmationRequired) {
            try self.operations.startRewardRun(week: "2026-W10", confirm: false, by: self.alice)
        }
        let paid = try operations.startRewardRun(week: "2026-W10", confirm: true, by: alice)
        let again = try operations.startRewardRun(week: "2026-W10", confirm: true, by: alice)
        #expect(paid.credited == 1 && again.credited == 0 && again.alreadyCredited == 1)
        let runs = try operations.rewardRuns(week: "2026-W10").items
        #expect(runs.count == 2 && runs.allSatisfy { $0.outcome == "succeeded" && $0.durationSeconds >= 0 })
        #expect(try auditCount("reward.start") == 2)
        expectAdmin(.invalidArgument) { try self.operations.rewardDryRun(week: "W10") }
    }

    @Test func configStatusNamesTheFileAndAnIgnoredEdit() throws {
        let store = try BusinessConfigStore(path: configFile, recheckInterval: .milliseconds(1))
        let ids = harness.ids
        let local = AdminOperations(postgres: harness.pool, redis: redis, config: store, applySandboxEvents: true, ids: { ids })
        let status = local.configStatus()
        #expect(status.source == "file" && status.path == configFile && status.lastError == nil)
        #expect(status.document == WebhookSamples.config.document)
        try "{not json".write(toFile: configFile, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(local.configStatus().lastError != nil)
    }
}

/// Runs blocking work on a thread of its own, as the console's handler threads do.
func adminTestThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
