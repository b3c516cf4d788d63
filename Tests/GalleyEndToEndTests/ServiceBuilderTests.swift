import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyGateway
@testable import EmojiWorker
@testable import WebhookWorker
@testable import RewardWorker
import GalleyTestSupport

/// Each executable's builder, called in process as its `main.swift` would through the
/// bootstrap: it names its services, status server first so it stops last.
@Suite(.serialized) struct ServiceBuilderTests {
    private func runtime(_ executable: GalleyExecutable, _ command: String, _ arguments: [String] = []) throws -> ProcessRuntime {
        let settings = try Settings.load(from: [
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": TestEnvironment.postgresDatabase, "REDIS_HOST": TestEnvironment.redisHost,
            "REDIS_PORT": String(TestEnvironment.redisPort), "REDIS_DB": "9", "METRICS_PORT": "0", "HOST": "127.0.0.1",
            "STORAGE_LOCAL_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("galley_builder").path,
        ])
        return ProcessRuntime(
            executable: executable, invocation: Invocation(command: command, arguments: arguments), settings: settings,
            logger: Logger(label: "test"),
            postgres: PostgresPool(configuration: settings.postgresConfiguration(applicationName: "test"), size: 2, logger: Logger(label: "pg")),
            redis: RedisPool(configuration: settings.redisConfiguration, size: 2),
            group: ServiceGroup(shutdownDeadline: .seconds(5), watchesSignals: false))
    }

    private func names(_ executable: GalleyExecutable, _ command: String, _ arguments: [String] = [],
                       _ build: (ProcessRuntime) async throws -> [any Service]) async throws -> [String] {
        let runtime = try runtime(executable, command, arguments)
        defer {
            runtime.snowflakeLease?.release()
            runtime.redis.shutdown()
            runtime.postgres.close()
        }
        let services = try await build(runtime)
        #expect(runtime.snowflakeLease?.isHeld == true, "\(executable) leased no node id")
        return services.map(\.name)
    }

    @Test func eachExecutableNamesItsServices() async throws {
        #expect(try await names(.apiGateway, "serve", [], GalleyGateway.GatewayProcess.services) == ["outbox relay", "http server (PORT)"])
        #expect(try await names(.emojiWorker, "run", [], EmojiWorkerApp.services) == [
            "status server (METRICS_PORT)", "task lease keeper", "stream lag monitor", "task sweeper", "emoji_tasks reconciler",
            "consumer:emoji_tasks",
        ])
        #expect(try await names(.webhookWorker, "run", [], WebhookWorkerApp.services) == [
            "status server (METRICS_PORT)", "parked event sweeper", "webhook_events reconciler", "consumer:webhook_events",
        ])
        #expect(try await names(.webhookWorker, "replay", ["--parked"], WebhookWorkerApp.services) == ["replay"])
        #expect(try await names(.rewardWorker, "schedule", [], RewardWorkerApp.services) == ["status server (METRICS_PORT)", "reward scheduler"])
        #expect(try await names(.rewardWorker, "run", ["--dry-run"], RewardWorkerApp.services) == ["reward run"])
    }
}
