import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// One migrated database for all the emoji suites of a test run (creating one per test
/// serializes on the server), dropped when the process exits. Tests keep to their own
/// users and tasks, so sharing it is safe.
package enum EmojiTestDatabase {
    package struct Shared: Sendable {
        package let database: TestDatabase
        package let pool: PostgresPool
    }

    package struct Unavailable: Error {}

    package static let shared: Shared? = {
        guard let database = try? TestDatabase() else { return nil }
        atexit { EmojiTestDatabase.shared?.database.drop() }
        return Shared(database: database, pool: database.pool(size: 16))
    }()

    package static func get() throws -> Shared {
        guard let shared else { throw Unavailable() }
        return shared
    }
}

/// Seeds users and emoji tasks as the gateway would (debit through the ledger and the
/// task row in one transaction) and reads back what the worker did.
package struct EmojiFixtures: Sendable {
    package let pool: PostgresPool
    package let ledger: Ledger
    package let ids: SnowflakeGenerator

    package init(pool: PostgresPool) throws {
        self.pool = pool
        let ids = try SnowflakeGenerator(nodeID: Int.random(in: 0...1023))
        self.ids = ids
        self.ledger = Ledger(nextID: { ids.next() })
    }

    package static let detectResult: JSONValue = ["face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": ["mock": true]]

    /// A user holding `balance` points (bought, so the ledger explains them).
    package func user(balance: Int = 10_000) throws -> Int64 {
        let userID = ids.next()
        try pool.withTransaction { connection in
            try connection.execute("INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, $2, now(), now())",
                                   [userID, "device-\(userID)"])
            try ledger.openAccount(userID: userID, on: connection)
            if balance > 0 {
                _ = try ledger.apply(LedgerEntry(userID: userID, amount: balance, kind: .purchase, orderNo: "seed"), on: connection)
            }
        }
        return userID
    }

    /// A pending task charged `cost` points. `imageURL` defaults to one unique to the task.
    package func task(userID: Int64, cost: Int = 200, imageURL: String? = nil, detectResult: JSONValue? = EmojiFixtures.detectResult) throws -> Int64 {
        let taskID = ids.next()
        try pool.withTransaction { connection in
            let outcome = try ledger.apply(LedgerEntry(userID: userID, amount: -cost, kind: .consume, taskType: "emoji"), on: connection)
            guard case .applied = outcome else { throw PostgresError.badFormat }
            try connection.execute("""
                INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, detect_result, status, points_cost, created_at, updated_at)
                VALUES ($1, $2, 'mengwa_kaixin', $3, $4::json, 'pending', $5, now(), now())
                """, [taskID, userID, imageURL ?? "https://img.test/\(taskID).jpg", detectResult, cost])
        }
        return taskID
    }

    /// Adds the stream entry the gateway writes after committing the task.
    package static func enqueue(_ taskID: Int64, userID: Int64, on redis: RedisPool, stream: String = EmojiWorkerConfiguration.stream) throws {
        _ = try redis.withConnection { connection in
            try connection.xadd(stream, maxLength: nil, fields: [
                ("task_id", String(taskID)), ("user_id", String(userID)), ("image_url", "https://img.test/\(taskID).jpg"),
                ("driven_id", "mengwa_kaixin"), ("detect_result", JSONWriter.string(EmojiFixtures.detectResult)),
            ])
        }
    }

    package struct Row: Sendable {
        package var status: String
        package var errorCode: String?
        package var errorMessage: String?
        package var resultURL: String?
        package var providerTaskID: String?
        package var providerStatus: String?
        package var refunded: Bool
        package var completed: Bool
        package var started: Bool
        package var worker: String?
        package var leaseUntil: Date?
    }

    package func row(_ taskID: Int64) throws -> Row? {
        try pool.withConnection { connection in
            guard let row = try connection.query("""
                SELECT status, error_code, error_message, result_url, aliyun_task_id, provider_status,
                       refunded_at IS NOT NULL AS refunded, completed_at IS NOT NULL AS completed,
                       started_at IS NOT NULL AS started, worker, worker_lease_until
                FROM emoji_tasks WHERE id = $1
                """, [taskID]).rows.first else { return nil }
            return Row(status: try row.decode(String.self, "status"), errorCode: try row.decode(String?.self, "error_code"),
                       errorMessage: try row.decode(String?.self, "error_message"), resultURL: try row.decode(String?.self, "result_url"),
                       providerTaskID: try row.decode(String?.self, "aliyun_task_id"), providerStatus: try row.decode(String?.self, "provider_status"),
                       refunded: try row.decode(Bool.self, "refunded"), completed: try row.decode(Bool.self, "completed"),
                       started: try row.decode(Bool.self, "started"), worker: try row.decode(String?.self, "worker"),
                       leaseUntil: try row.decode(Date?.self, "worker_lease_until"))
        }
    }

    /// Ledger rows that refund `taskID`.
    package func refunds(_ taskID: Int64) throws -> Int {
        try pool.withConnection { connection in
            try connection.query("SELECT count(*)::bigint AS n FROM point_transactions WHERE ref_key = $1",
                                 [EmojiTaskStore.refundReference(taskID: taskID)]).rows.first?.decode(Int.self, "n") ?? -1
        }
    }

    package func balance(_ userID: Int64) throws -> Int {
        try pool.withConnection { try Ledger.audit(userID: userID, on: $0).balance }
    }

    /// Users among `users` whose balance differs from their ledger sum.
    package func ledgerViolations(users: [Int64]) throws -> [Int64] {
        try pool.withConnection { connection in
            try users.filter { user in
                let audit = try Ledger.audit(userID: user, on: connection)
                return audit.balance != audit.ledgerSum || audit.balance < 0
            }
        }
    }

    /// SQL run directly, for arranging odd states.
    package func execute(_ sql: String, _ binds: [any PostgresEncodable]) throws {
        _ = try pool.withConnection { try $0.execute(sql, binds) }
    }
}

/// A provider whose answers a test scripts: errors for the first submits, then a
/// sequence of task states (the last one repeats). Counts every call.
package final class ScriptedEmojiProvider: EmojiProvider {
    package struct Script: Sendable {
        package var submitErrors: [DashScopeError] = []
        package var states: [ProviderTaskState] = [ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/out.mp4")]
        package var queryErrors: [DashScopeError] = []
        package var submitDelay: Duration = .zero

        package init(submitErrors: [DashScopeError] = [],
                     states: [ProviderTaskState] = [ProviderTaskState(status: "SUCCEEDED", videoURL: "https://video.test/out.mp4")],
                     queryErrors: [DashScopeError] = [], submitDelay: Duration = .zero) {
            self.submitErrors = submitErrors
            self.states = states
            self.queryErrors = queryErrors
            self.submitDelay = submitDelay
        }
    }

    private struct State {
        var script: Script
        var submits = 0
        var submitAttempts = 0
        var queries: [String: Int] = [:]
        var submittedImages: [String: Int] = [:]
        var submitsRunning = 0
        var mostSubmitsRunning = 0
    }

    private let state: Mutex<State>

    package init(_ script: Script = Script()) { state = Mutex(State(script: script)) }

    package var submits: Int { state.withLock { $0.submits } }
    package var submitAttempts: Int { state.withLock { $0.submitAttempts } }
    package var queries: Int { state.withLock { $0.queries.values.reduce(0, +) } }
    package var submittedImages: [String: Int] { state.withLock { $0.submittedImages } }
    /// The most submit calls that were running at one time.
    package var mostSubmitsRunning: Int { state.withLock { $0.mostSubmitsRunning } }

    package func update(_ change: (inout Script) -> Void) { state.withLock { change(&$0.script) } }

    package func detect(imageURL: String) async throws(DashScopeError) -> FaceDetection {
        FaceDetection(passed: true, faceBox: [0, 0, 1, 1], extBox: [0, 0, 2, 2])
    }

    package func submit(_ request: GenerationRequest) async throws(DashScopeError) -> SubmittedTask {
        let (error, delay, number) = state.withLock { state -> (DashScopeError?, Duration, Int) in
            state.submitAttempts += 1
            if !state.script.submitErrors.isEmpty { return (state.script.submitErrors.removeFirst(), .zero, 0) }
            state.submits += 1
            state.submittedImages[request.imageURL, default: 0] += 1
            state.submitsRunning += 1
            state.mostSubmitsRunning = max(state.mostSubmitsRunning, state.submitsRunning)
            return (nil, state.script.submitDelay, state.submits)
        }
        if let error { throw error }
        if delay > .zero { try? await Task.sleep(for: delay) }
        state.withLock { $0.submitsRunning -= 1 }
        return SubmittedTask(taskID: "p-\(number)-\(request.imageURL.hashValue)", status: "PENDING")
    }

    package func query(taskID: String) async throws(DashScopeError) -> ProviderTaskState {
        let answer = state.withLock { state -> Result<ProviderTaskState, DashScopeError> in
            if !state.script.queryErrors.isEmpty { return .failure(state.script.queryErrors.removeFirst()) }
            let index = state.queries[taskID, default: 0]
            state.queries[taskID] = index + 1
            let states = state.script.states
            return .success(states[min(index, states.count - 1)])
        }
        return try answer.get()
    }
}

/// Keeps stored videos in memory.
package final class MemoryResultSink: EmojiResultSink {
    private let stored = Mutex<[String: String]>([:])
    private let failures = Mutex<Int>(0)

    package init(failFirst: Int = 0) { failures.withLock { $0 = failFirst } }

    package var keys: [String: String] { stored.withLock { $0 } }

    package struct Failure: Error {}

    package func store(videoURL: String, key: String) async throws -> String {
        let fail = failures.withLock { count -> Bool in
            if count > 0 { count -= 1; return true }
            return false
        }
        if fail { throw Failure() }
        stored.withLock { $0[key] = videoURL }
        return "https://cdn.test/\(key)"
    }
}
