import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
@testable import GalleyTesting
import GalleyTestSupport

/// Runs real `EmojiWorker` processes against a fake DashScope served by the test
/// process, a fresh database and a Redis database of the test's own, and reads back
/// what happened.
final class EmojiWorkerHarness: Sendable {
    struct MissingExecutable: Error, CustomStringConvertible {
        let path: String
        var description: String { "no EmojiWorker executable at \(path): build the package first" }
    }

    let database: TestDatabase
    let pool: PostgresPool
    let fixtures: EmojiFixtures
    let redis: RedisPool
    let redisDatabase: Int
    let fake: FakeDashScope
    let fakeServer: HTTPServer
    let apiKey: String
    let storageDirectory: String
    let logDirectory: URL

    /// `redisDatabase` must be one no other test uses at the same time (the stream name is
    /// fixed by the contract). The gateway's suites use 0 and 10–15; the emoji suites 2–6.
    init(redisDatabase: Int, fake configuration: FakeDashScopeConfiguration) throws {
        Signals.ignoreSIGPIPE()
        database = try TestDatabase()
        pool = database.pool(size: 8)
        fixtures = try EmojiFixtures(pool: pool)
        self.redisDatabase = redisDatabase
        redis = RedisPool(configuration: RedisConfiguration(host: TestEnvironment.redisHost, port: TestEnvironment.redisPort,
                                                            database: redisDatabase), size: 4)
        apiKey = TestEnvironment.uniqueName("sk")
        _ = try redis.withConnection { connection in
            try connection.del([EmojiWorkerConfiguration.stream, EmojiWorkerConfiguration.stream + ":dead"])
        }
        fake = FakeDashScope(configuration: configuration)
        fakeServer = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 2, handlerThreads: 2),
                                responder: fake, logger: Logger(label: "fake-dashscope"))
        try fakeServer.start()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("emoji-worker"))
        storageDirectory = scratch.appendingPathComponent("objects").path
        logDirectory = scratch.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
    }

    deinit {
        fakeServer.shutdown(deadline: .seconds(1))
        _ = try? redis.withConnection { connection in
            try connection.del([EmojiWorkerConfiguration.stream, EmojiWorkerConfiguration.stream + ":dead",
                                SubmitRateLimiter.key(apiKey: apiKey)])
        }
        redis.shutdown()
        pool.close()
        database.drop()
        try? FileManager.default.removeItem(at: logDirectory.deletingLastPathComponent())
    }

    static var executable: URL {
        // The test bundle sits beside the package's executables in the build directory.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("EmojiWorker")
    }

    /// The environment a worker runs with: short poll, claim and lease times.
    func environment(consumer: String, concurrency: Int, overrides: [String: String]) -> [String: String] {
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "ENVIRONMENT": "local",
            "LOG_LEVEL": "info",
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": database.name, "DB_POOL_SIZE": "8", "MIGRATE_ON_START": "false",
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort),
            "REDIS_DB": String(redisDatabase), "REDIS_POOL_SIZE": "8",
            "ALIYUN_EMOJI_MOCK": "false",
            "DASHSCOPE_BASE_URL": "http://127.0.0.1:\(fakeServer.port)", "DASHSCOPE_API_KEY": apiKey,
            "DASHSCOPE_SUBMIT_RATE": "1000",
            // Load tests put many tasks on few users; the per-user share has its own test.
            "DASHSCOPE_USER_SHARE": "0",
            "EMOJI_WORKER_CONSUMER": consumer, "EMOJI_CONCURRENCY": String(concurrency),
            "EMOJI_POLL_INTERVAL_SECONDS": "0.2", "EMOJI_POLL_TIMEOUT_SECONDS": "60",
            "EMOJI_CLAIM_IDLE_MILLISECONDS": "1500", "EMOJI_LEASE_SECONDS": "2", "EMOJI_MAX_DELIVERIES": "5",
            "EMOJI_READ_BLOCK_MILLISECONDS": "200",
            "STORAGE_BACKEND": "local", "STORAGE_LOCAL_DIR": storageDirectory,
            "OSS_PUBLIC_BASE_URL": "http://objects.test", "OSS_RESULT_PREFIX": "results",
            "METRICS_PORT": "0", "HOST": "127.0.0.1", "SHUTDOWN_DEADLINE_SECONDS": "5",
        ]
        env.merge(overrides) { $1 }
        return env
    }

    func startWorker(_ consumer: String, concurrency: Int = 200, _ overrides: [String: String] = [:]) throws -> WorkerProcess {
        let path = EmojiWorkerHarness.executable
        guard FileManager.default.isExecutableFile(atPath: path.path) else { throw MissingExecutable(path: path.path) }
        return try WorkerProcess(executable: path, environment: environment(consumer: consumer, concurrency: concurrency, overrides: overrides),
                                 log: logDirectory.appendingPathComponent("\(consumer).log"))
    }

    /// Users with `balance` points and `count` tasks spread over them, each enqueued as the gateway would.
    func seed(tasks count: Int, users userCount: Int, balance: Int = 100_000) throws -> (users: [Int64], tasks: [Int64: Int64]) {
        let users = try (0..<userCount).map { _ in try fixtures.user(balance: balance) }
        var tasks: [Int64: Int64] = [:]
        for index in 0..<count {
            let user = users[index % users.count]
            let task = try fixtures.task(userID: user)
            tasks[task] = user
            try EmojiFixtures.enqueue(task, userID: user, on: redis)
        }
        return (users, tasks)
    }

    struct Census: Sendable {
        var byStatus: [String: Int] = [:]
        var submitted = 0
        var total: Int { byStatus.values.reduce(0, +) }
        var terminal: Int { (byStatus["completed"] ?? 0) + (byStatus["failed"] ?? 0) }
    }

    func census(_ tasks: [Int64]) throws -> Census {
        try pool.withConnection { connection in
            var census = Census()
            for row in try connection.query("""
                SELECT status, count(*)::bigint AS n, count(aliyun_task_id)::bigint AS submitted
                FROM emoji_tasks WHERE id = ANY($1::bigint[]) GROUP BY status
                """, [tasks]).rows {
                census.byStatus[try row.decode(String.self, "status")] = try row.decode(Int.self, "n")
                census.submitted += try row.decode(Int.self, "submitted")
            }
            return census
        }
    }

    /// Polls the database until `condition` holds for the census of `tasks`, or `timeout` passes.
    func waitFor(_ tasks: [Int64], timeout: Duration, _ condition: (Census) -> Bool) async throws -> Census {
        let end = ContinuousClock.now + timeout
        var last = try census(tasks)
        while !condition(last), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(200))
            last = try census(tasks)
        }
        return last
    }

    /// Invariant 2 for `tasks`: all terminal, failed ones refunded exactly once (and
    /// flagged), completed ones never refunded and stored; balances match the ledger.
    func checkSettled(_ tasks: [Int64: Int64], initialBalance: Int, cost: Int = 200) throws -> (completed: Int, failed: Int) {
        var completedPerUser: [Int64: Int] = [:]
        var completed = 0
        var failed = 0
        for (task, user) in tasks {
            let row = try #require(try fixtures.row(task))
            let refunds = try fixtures.refunds(task)
            switch row.status {
            case "completed":
                completed += 1
                completedPerUser[user, default: 0] += 1
                #expect(refunds == 0, "completed task \(task) was refunded")
                #expect(!row.refunded)
                // results/<user>/<task>_<16 hex tag>.mp4: the tag makes the key unguessable.
                let url = row.resultURL ?? ""
                let prefix = "http://objects.test/results/\(user)/\(task)_"
                #expect(url.hasPrefix(prefix) && url.hasSuffix(".mp4") && url.count == prefix.count + 16 + 4, "\(url)")
                let key = String(url.dropFirst("http://objects.test/".count))
                #expect(FileManager.default.fileExists(atPath: "\(storageDirectory)/\(key)"))
            case "failed":
                failed += 1
                #expect(refunds == 1, "failed task \(task) refunded \(refunds) times")
                #expect(row.refunded)
                #expect(row.errorCode != nil)
            default:
                Issue.record("task \(task) ended \(row.status)")
            }
        }
        for user in Set(tasks.values) {
            #expect(try fixtures.balance(user) == initialBalance - cost * completedPerUser[user, default: 0])
        }
        #expect(try fixtures.ledgerViolations(users: Array(Set(tasks.values))).isEmpty)
        return (completed, failed)
    }

    func pendingEntries() throws -> Int {
        let summary = try redis.withConnection { connection in
            try connection.xpendingSummary(EmojiWorkerConfiguration.stream, group: EmojiWorkerConfiguration.group)
        }
        return Int(summary.count)
    }

    func deadLetters() throws -> [StreamEntry] {
        let reply = try redis.withConnection { connection in
            try connection.command(["XRANGE", .string(EmojiWorkerConfiguration.stream + ":dead"), "-", "+"])
        }
        var entries: [StreamEntry] = []
        for item in reply.arrayValue ?? [] {
            guard let parts = item.arrayValue, parts.count == 2, let id = parts[0].stringValue, let flat = parts[1].arrayValue else { continue }
            var fields: [String: String] = [:]
            var index = 0
            while index + 1 < flat.count {
                if let key = flat[index].stringValue { fields[key] = flat[index + 1].stringValue ?? "" }
                index += 2
            }
            entries.append(StreamEntry(id: id, fields: fields))
        }
        return entries
    }
}

/// One worker process: its output goes to a log file; SIGTERM, SIGKILL and waiting.
final class WorkerProcess: Sendable {
    let log: URL
    private let process: Mutex<Process>
    let pid: Int32

    init(executable: URL, environment: [String: String], log: URL) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = executable
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try? handle.close()
        pid = process.processIdentifier
        self.process = Mutex(process)
    }

    var isRunning: Bool { process.withLock { $0.isRunning } }

    func terminate() { kill(pid, SIGTERM) }

    func killHard() { kill(pid, SIGKILL) }

    /// The exit status once the process ended within `timeout`, else nil.
    func waitForExit(timeout: Duration) async -> Int32? {
        let end = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if isRunning { return nil }
        return process.withLock { $0.terminationStatus }
    }

    /// Makes sure the process is gone (test cleanup).
    func stop() async {
        if isRunning {
            terminate()
            if await waitForExit(timeout: .seconds(10)) == nil { killHard() }
        }
        _ = await waitForExit(timeout: .seconds(5))
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The metrics port the worker logged at start (it was given port 0).
    func metricsPort(timeout: Duration = .seconds(20)) async -> Int? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            for line in output.split(separator: "\n") where line.contains("status server listening") {
                if let value = (try? JSONParser.parse(String(line)))?["metrics_port"]?.stringValue { return Int(value) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
