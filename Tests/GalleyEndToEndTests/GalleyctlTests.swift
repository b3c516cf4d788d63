import Foundation
import Testing
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyTestSupport

/// The galleyctl binary as an operator runs it: every command with `--json` parsed, the
/// documented exit statuses, and the audit rows it leaves. Its own database and Redis
/// database 12 (real stream names), emptied first.
@Suite(.serialized) final class GalleyctlTests {
    // Database 6: the integration layer uses it, no other end-to-end suite does (one layer runs at a time).
    static let redisDatabase = 6
    let database: TestDatabase
    let pool: PostgresPool
    let redis = RedisPool(configuration: .testStack(database: GalleyctlTests.redisDatabase), size: 2, logger: Logger(label: "test"))
    let user: Int64 = 4_242_424_242

    init() throws {
        database = try TestDatabase()
        pool = database.pool(size: 2)
        try redis.withConnection { _ = try $0.command(["FLUSHDB"]) }
        try pool.withConnection { connection in
            try connection.execute("INSERT INTO users (id, device_id, created_at, updated_at) VALUES ($1, 'ctl-device', now(), now())", [user])
        }
    }

    deinit {
        _ = try? redis.withConnection { try $0.command(["FLUSHDB"]) }
        redis.shutdown()
        pool.close()
        database.drop()
    }

    var environment: [String: String] {
        [
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": database.name, "REDIS_HOST": TestEnvironment.redisHost,
            "REDIS_PORT": String(TestEnvironment.redisPort), "REDIS_DB": String(GalleyctlTests.redisDatabase),
            "USER": "carol",
        ]
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        var json: JSONValue? { try? JSONParser.parse(Array(stdout.utf8)) }
    }

    func ctl(_ arguments: String...) async throws -> Run {
        let run = try await ExecutableProcess.run("galleyctl", arguments: arguments, environment: environment)
        return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    @Test func helpAndUsageErrors() async throws {
        let help = try await ctl("--help")
        #expect(help.status == 0 && help.stdout.hasPrefix("usage: galleyctl status"))
        #expect(help.stdout.contains("points adjust") && help.stdout.contains("exit status:"))
        #expect(try await ctl("task", "--help").stdout.hasPrefix("usage: galleyctl"))
        let unknown = try await ctl("dead", "lst")
        #expect(unknown.status == ExitCode.usage.rawValue && unknown.stderr.hasPrefix("galleyctl: unknown dead command 'lst'"))
        #expect(try await ctl("dead", "list", "--stream", "nope").status == ExitCode.usage.rawValue)
        #expect(try await ctl("task", "search").status == ExitCode.usage.rawValue)
        #expect(try await ctl("points", "adjust", "--user", "1", "--amount", "5").status == ExitCode.usage.rawValue)
        #expect(try await ctl("status", "--limit", "3").status == ExitCode.usage.rawValue)
    }

    @Test func statusAndConfigAnswerJSON() async throws {
        let status = try await ctl("status", "--json")
        #expect(status.status == 0, "\(status.stderr)")
        let overview = try #require(status.json?.objectValue)
        #expect(overview["postgres_up"]?.boolValue == true && overview["redis_up"]?.boolValue == true)
        #expect(overview["streams"]?.arrayValue?.count == 2 && overview["throughput"]?.arrayValue?.count == 60)
        let text = try await ctl("status")
        #expect(text.status == 0 && text.stdout.contains("postgres_up: true"))
        let config = try await ctl("config", "--json")
        #expect(config.json?["source"]?.stringValue == "built-in")
    }

    @Test func pointsAdjustWritesLedgerAndAuditAndRefusesToGoNegative() async throws {
        let credit = try await ctl("points", "adjust", "--user", String(user), "--amount", "300", "--reason", "paid, got nothing",
                                   "--operator", "bob", "--json")
        #expect(credit.status == 0, "\(credit.stderr)")
        #expect(credit.json?["balance_after"]?.int64Value == 300 && credit.json?["type"]?.stringValue == "reward")
        let debit = try await ctl("points", "adjust", "--user", String(user), "--amount", "-500", "--reason", "too much", "--json")
        #expect(debit.status == ExitCode.failure.rawValue)
        #expect(debit.json?["error"]?["kind"]?.stringValue == "insufficient_points")
        #expect(debit.stderr.hasPrefix("galleyctl: user \(user) has 300 points"))

        let shown = try await ctl("user", "show", String(user), "--json")
        #expect(shown.json?["user"]?["balance"]?.int64Value == 300)
        #expect(shown.json?["ledger"]?["items"]?.arrayValue?.count == 1)
        #expect(try await ctl("user", "show", "--device", "ctl-device", "--json").json?["user"]?["id"]?.int64Value == user)
        #expect(try await ctl("user", "show", "77").status == ExitCode.failure.rawValue)

        let audit = try await ctl("audit", "--json")
        let rows = try #require(audit.json?["items"]?.arrayValue)
        #expect(rows.count == 1 && rows.first?["actor"]?.stringValue == "bob" && rows.first?["action"]?.stringValue == "points.adjust")
    }

    @Test func deadLettersAreListedAndReplayedOnceAndTasksShown() async throws {
        let task: Int64 = 555_000_111
        let user = self.user
        try await pool.withConnection { connection in
            try connection.execute("""
                INSERT INTO emoji_tasks (id, user_id, driven_id, source_image_url, status, points_cost, created_at, updated_at)
                VALUES ($1, $2, 'mengwa_kaixin', 'https://example.test/a.jpg', 'pending', 0, now(), now())
                """, [task, user])
        }
        let deadID = try await redis.withConnection { connection in
            try connection.xadd("emoji_tasks:dead", maxLength: nil, fields: [
                ("task_id", String(task)), ("user_id", String(user)), ("reason", "delivered 6 times (max 5)"), ("deliveries", "6"),
            ])
        }
        let listed = try await ctl("dead", "list", "--stream", "emoji_tasks", "--json")
        let items = try #require(listed.json?["items"]?.arrayValue)
        #expect(items.count == 1 && items.first?["target"]?["status"]?.stringValue == "pending")
        #expect(try await ctl("dead", "list", "--json").json?["webhook_events:dead"]?["items"]?.arrayValue?.count == 0)

        let replay = try await ctl("dead", "replay", "--stream", "emoji_tasks", deadID, "--json")
        #expect(replay.json?.arrayValue?.first?["outcome"]?.stringValue == "replayed", "\(replay.stdout) \(replay.stderr)")
        let again = try await ctl("dead", "replay", "--stream", "emoji_tasks", deadID, "--json")
        #expect(again.status == 0 && again.json?.arrayValue?.first?["outcome"]?.stringValue == "gone")
        #expect(try await redis.withConnection { try $0.xlen("emoji_tasks") } == 1)

        let requeue = try await ctl("task", "requeue", String(task), "--json")
        #expect(requeue.status == 0 && requeue.json?["id"]?.int64Value == task)
        #expect(try await redis.withConnection { try $0.xlen("emoji_tasks") } == 2)

        let shown = try await ctl("task", "show", String(task), "--json")
        #expect(shown.json?["timeline"]?.arrayValue?.first?["step"]?.stringValue == "created")
        let found = try await ctl("task", "search", "--device", "ctl-device", "--json")
        #expect(found.json?["items"]?.arrayValue?.count == 1)
        let retry = try await ctl("task", "retry", String(task), "--json")
        #expect(retry.status == ExitCode.failure.rawValue && retry.json?["error"]?["kind"]?.stringValue == "conflict")
        #expect(try await ctl("event", "show", "missing").status == ExitCode.failure.rawValue)
        #expect(try await ctl("event", "search", "--waiting", "--json").json?["items"]?.arrayValue?.isEmpty == true)
    }

    @Test func rewardStartIsADryRunUnlessConfirmed() async throws {
        let dry = try await ctl("reward", "start", "--week", "2026-W10", "--json")
        #expect(dry.status == 0 && dry.json?["dry_run"]?.boolValue == true, "\(dry.stderr)")
        let real = try await ctl("reward", "start", "--week", "2026-W10", "--confirm", "--json")
        #expect(real.status == 0 && real.json?["dry_run"]?.boolValue == false)
        #expect(try await ctl("reward", "runs", "--json").json?["items"]?.arrayValue?.count == 1)
        #expect(try await ctl("reward", "start", "--week", "W10").status == ExitCode.usage.rawValue)
    }

    @Test func aBadSettingIsExit78AndVersionAnswers() async throws {
        var environment = self.environment
        environment["REDIS_DB"] = "99"
        let run = try await ExecutableProcess.run("galleyctl", arguments: ["status"], environment: environment)
        #expect(run.status == ExitCode.configuration.rawValue)
        #expect(run.stderr == "galleyctl: configuration error: REDIS_DB is invalid: expected an integer from 0 to 15\n")
        let version = try await ctl("--version")
        #expect(version.stdout == BuildInfo.versionLine("galleyctl") + "\n")
    }

    @Test func anUnreachableDatabaseIsExit69() async throws {
        var environment = self.environment
        environment["POSTGRES_PORT"] = "1"
        let run = try await ExecutableProcess.run("galleyctl", arguments: ["user", "show", "1"], environment: environment)
        #expect(run.status == ExitCode.unavailable.rawValue, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("galleyctl: PostgreSQL unavailable"))
    }
}
