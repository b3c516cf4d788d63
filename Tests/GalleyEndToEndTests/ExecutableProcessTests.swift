import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRuntime
import GalleyTestSupport

/// Every executable's command line, as an operator meets it: `--help` and `--version`
/// answer at once without PostgreSQL or Redis (pointed at an unroutable address and a
/// closed port here), unknown flags are a usage error (64), bad settings a configuration error (78).
@Suite(.serialized) struct ExecutableCommandLineTests {
    static let executables = ["APIGateway", "EmojiWorker", "WebhookWorker", "RewardWorker"]

    /// Dependencies that cannot answer: connecting to them would hang or fail.
    let unreachable = [
        "POSTGRES_SERVER": "10.255.255.1", "POSTGRES_PORT": "1", "POSTGRES_USER": "nobody",
        "REDIS_HOST": "10.255.255.1", "REDIS_PORT": "1", "ENVIRONMENT": "production",
    ]

    /// The fastest of three runs: on a loaded 2-core machine one spawn can stall, but a
    /// process that tried PostgreSQL at 10.255.255.1 would wait its 5 s connect timeout every time.
    private func fastest(_ name: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, seconds: Double) {
        var best: (status: Int32, stdout: String, seconds: Double)?
        for _ in 0..<3 {
            let run = try await ExecutableProcess.run(name, arguments: arguments, environment: unreachable)
            if best == nil || run.seconds < best?.seconds ?? .infinity { best = (run.status, run.stdout, run.seconds) }
        }
        return best ?? (-1, "", .infinity)
    }

    @Test(arguments: executables)
    func helpAndVersionAnswerWithoutDependencies(_ name: String) async throws {
        let help = try await fastest(name, ["--help"])
        #expect(help.status == 0)
        #expect(help.seconds < 1, "\(name) --help took \(help.seconds) s")
        #expect(help.stdout.hasPrefix("usage: \(name)"))
        #expect(help.stdout.contains("POSTGRES_SERVER") && help.stdout.contains("exit status:"))

        let version = try await fastest(name, ["--version"])
        #expect(version.status == 0)
        #expect(version.seconds < 1, "\(name) --version took \(version.seconds) s")
        #expect(version.stdout == BuildInfo.versionLine(name) + "\n")
    }

    @Test(arguments: executables)
    func anUnknownFlagIsAUsageError(_ name: String) async throws {
        let run = try await ExecutableProcess.run(name, arguments: ["--no-such-flag"], environment: unreachable)
        #expect(run.status == ExitCode.usage.rawValue)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("\(name): unknown option '--no-such-flag'\nusage: \(name)"), "\(run.stderr)")
    }

    @Test(arguments: executables)
    func aBadSettingIsOneLineAndExit78(_ name: String) async throws {
        var environment = unreachable
        environment["REDIS_DB"] = "99"
        let arguments = name == "RewardWorker" ? ["schedule"] : []
        let run = try await ExecutableProcess.run(name, arguments: arguments, environment: environment)
        #expect(run.status == ExitCode.configuration.rawValue)
        #expect(run.stderr == "\(name): configuration error: REDIS_DB is invalid: expected an integer from 0 to 15\n")
    }

    @Test func theFakeDashScopeStandInAnswersTheSameWay() async throws {
        let help = try await ExecutableProcess.run("FakeDashScope", arguments: ["--help"], environment: [:])
        #expect(help.status == 0 && help.stdout.hasPrefix("usage: FakeDashScope") && help.stdout.contains("FAKE_DASHSCOPE_PORT"))
        let version = try await ExecutableProcess.run("FakeDashScope", arguments: ["--version"], environment: [:])
        #expect(version.stdout == BuildInfo.versionLine("FakeDashScope") + "\n")
        let unknown = try await ExecutableProcess.run("FakeDashScope", arguments: ["--port"], environment: [:])
        #expect(unknown.status == ExitCode.usage.rawValue && unknown.stderr.hasPrefix("FakeDashScope: unknown argument"))
        let bad = try await ExecutableProcess.run("FakeDashScope", arguments: [], environment: ["FAKE_DASHSCOPE_PORT": "http"])
        #expect(bad.status == ExitCode.configuration.rawValue && bad.stderr.contains("FAKE_DASHSCOPE_PORT"))
    }

    @Test func subcommandsAreChecked() async throws {
        let reward = try await ExecutableProcess.run("RewardWorker", arguments: ["run", "--batch-size", "0"], environment: unreachable)
        #expect(reward.status == ExitCode.usage.rawValue)
        let webhook = try await ExecutableProcess.run("WebhookWorker", arguments: ["replay"], environment: unreachable)
        #expect(webhook.status == ExitCode.usage.rawValue)
        let gateway = try await ExecutableProcess.run("APIGateway", arguments: ["serve", "now"], environment: unreachable)
        #expect(gateway.status == ExitCode.usage.rawValue)
    }

    @Test func aDependencyDownAtStartIsExit69() async throws {
        var environment = unreachable
        environment["POSTGRES_SERVER"] = "127.0.0.1"
        environment["REDIS_HOST"] = "127.0.0.1"
        environment["ENVIRONMENT"] = "local"
        let run = try await ExecutableProcess.run("EmojiWorker", arguments: [], environment: environment)
        #expect(run.status == ExitCode.unavailable.rawValue, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("EmojiWorker: PostgreSQL (migrations) unavailable"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }
}

/// The reward worker leases its Snowflake node id like every other process: with Redis
/// down at start it exits 69 even when `SNOWFLAKE_NODE_ID` is set, and mints nothing.
@Suite struct RewardWorkerLeaseTests {
    @Test func redisDownAtStartIsExit69EvenWithANodeID() async throws {
        let environment = [
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": TestEnvironment.postgresDatabase, "MIGRATE_ON_START": "false",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "ENVIRONMENT": "local", "SNOWFLAKE_NODE_ID": "7",
        ]
        let run = try await ExecutableProcess.run("RewardWorker", arguments: ["run", "--dry-run"], environment: environment)
        #expect(run.status == ExitCode.unavailable.rawValue, "\(run.stderr)\n\(run.stdout)")
        #expect(run.stderr.hasPrefix("RewardWorker: Redis"), "\(run.stderr)")
        #expect(!run.stdout.contains("without a lease"))
    }
}

/// Every long-running process exports the same standard gauges: scraped from a real
/// gateway, emoji worker, webhook worker and reward scheduler.
@Suite(.serialized) struct StandardMetricsProcessTests {
    @Test func everyLongRunningProcessExportsTheStandardGauges() async throws {
        let database = TestEnvironment.uniqueName("std").lowercased()
        try await onThread { try GatewayProcess.adminExecute("CREATE DATABASE \(database)") }
        let base = [
            "ENVIRONMENT": "local", "POSTGRES_SERVER": TestEnvironment.postgresHost,
            "POSTGRES_PORT": String(TestEnvironment.postgresPort), "POSTGRES_USER": TestEnvironment.postgresUser,
            "POSTGRES_PASSWORD": TestEnvironment.postgresPassword, "POSTGRES_DB": database,
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort), "REDIS_DB": "9",
            "HOST": "127.0.0.1", "METRICS_PORT": "0", "SHUTDOWN_DEADLINE_SECONDS": "5", "ALIYUN_EMOJI_MOCK": "true",
            "STORAGE_LOCAL_DIR": FileManager.default.temporaryDirectory.appendingPathComponent(database).path,
            "EMOJI_READ_BLOCK_MILLISECONDS": "100",
        ]
        // Migrate once first: three processes migrating the same new database at once only wait on the lock.
        let migrated = try await ExecutableProcess.run("APIGateway", arguments: ["migrate"], environment: base)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        var environment = base
        environment["MIGRATE_ON_START"] = "false"

        var scraped: [String: String] = [:]
        for (name, arguments) in [("EmojiWorker", []), ("WebhookWorker", []), ("RewardWorker", ["schedule"])] {
            let process = try ExecutableProcess.start(name, arguments: arguments, environment: environment)
            let port = await process.metricsPort()
            if let port {
                scraped[name] = try await onThread { try GatewayHTTPClient.request(port: port, method: "GET", path: "/metrics").text }
            }
            let status = await process.stop()
            #expect(port != nil, "\(name) never logged its status port: \(process.output.suffix(2000))")
            #expect(status == 0, "\(name) exit status \(String(describing: status)): \(process.output.suffix(2000))")
        }
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 9))
        scraped["APIGateway"] = try await gateway.get("/metrics").text
        #expect(await gateway.stop() == 0)
        await gateway.tearDown()

        try? await onThread { try GatewayProcess.adminExecute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }

        #expect(scraped.count == 4)
        for (name, text) in scraped {
            for gauge in StandardMetrics.names {
                #expect(text.contains("\n\(gauge)") || text.hasPrefix(gauge), "\(name) lacks \(gauge)")
            }
            #expect(text.contains("galley_db_pool_connections{state=\"in_use\"}"), "\(name)")
            #expect(text.contains("galley_snowflake_lease_held 1"), "\(name) holds no lease")
            #expect(text.contains("galley_build_info{version=\"\(BuildInfo.version)\",commit=\"\(BuildInfo.commit)\"} 1"), "\(name)")
        }
    }
}
