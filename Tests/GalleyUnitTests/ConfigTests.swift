import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
@testable import GalleyEmoji
import GalleyTestSupport

@Suite struct SettingsTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]

    @Test func localDefaultsAreSafe() throws {
        let settings = try Settings.load(from: minimal)
        #expect(settings.deployment == .local)
        #expect(settings.database.port == 5432)
        #expect(settings.redis.host == "localhost")
        #expect(settings.auth.accessTokenLifetime == .seconds(7 * 86_400))
        #expect(settings.dashScope.mock)
        #expect(settings.storage.backend == .local)
        #expect(settings.storage.uploadPrefix == "uploads")
        #expect(settings.snowflakeNodeID == nil)
        // One value: the claim idle time the worker uses (live entries are heartbeated).
        #expect(settings.workers.emojiClaimIdle == .seconds(120))
        #expect(EmojiWorkerConfiguration.load(settings: settings).claimMinIdle == settings.workers.emojiClaimIdle)
        #expect(settings.shutdownDeadline == .seconds(30))
    }

    @Test(arguments: [
        ("POSTGRES_SERVER", nil as String?),
        ("POSTGRES_PORT", "abc"),
        ("POSTGRES_PORT", "70000"),
        ("SNOWFLAKE_NODE_ID", "1024"),
        ("ENVIRONMENT", "qa-env"),
        ("ALIYUN_EMOJI_MOCK", "maybe"),
        ("BACKEND_CORS_ORIGINS", "not a url"),
        ("STORAGE_BACKEND", "ftp"),
    ])
    func badSettingIsNamed(_ name: String, _ value: String?) {
        var env = minimal
        env[name] = value
        do {
            _ = try Settings.load(from: env)
            Issue.record("accepted \(name)")
        } catch {
            #expect(error.setting == name)
            #expect(error.description.contains(name))
            if let value { #expect(!error.description.contains(value)) }
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func productionNeedsSecrets() {
        var env = minimal
        env["ENVIRONMENT"] = "production"
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env) }
        env["SECRET_KEY"] = "changethis"
        env["REVENUECAT_WEBHOOK_SECRET"] = "rc"
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env) }
        env["SECRET_KEY"] = "a-real-secret"
        let settings = try? Settings.load(from: env)
        #expect(settings?.dashScope.mock == false)
        #expect(settings?.workers.applySandboxEvents == true, "sandbox purchases (App Review) apply in production too")
    }

    @Test func workersDoNotNeedTheGatewaysSecrets() throws {
        var env = minimal
        env["ENVIRONMENT"] = "production"
        let settings = try Settings.load(from: env, requiring: [])
        #expect(settings.revenueCatWebhookSecret == nil)
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env, requiring: [.webhookSecret]) }
    }

    @Test func s3BackendNeedsCredentials() {
        var env = minimal
        env["STORAGE_BACKEND"] = "s3"
        env["OSS_ENDPOINT"] = "http://127.0.0.1:9000"
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env) }
    }

    /// The worker's tunables come from the table only: each equals the table's default, and
    /// a set variable reaches the worker (no second default in EmojiWorkerConfiguration).
    @Test func theEmojiWorkersDefaultsAreTheSettingsTables() throws {
        let config = EmojiWorkerConfiguration(settings: try Settings.load(from: minimal, requiring: []), consumer: "c")
        func table(_ name: String) -> String { SettingsTable.definition(name)?.defaultValue ?? "none" }
        #expect(String(config.concurrency) == table("EMOJI_CONCURRENCY"))
        #expect(String(config.maxDeliveries) == table("EMOJI_MAX_DELIVERIES"))
        #expect(String(config.submitAttempts) == table("EMOJI_SUBMIT_ATTEMPTS"))
        // Computed from the submit rate: 16 at the table's 1/s.
        #expect(config.submitsInFlight == 16)
        #expect(String(config.userShare) == table("DASHSCOPE_USER_SHARE"))
        #expect(config.claimMinIdle == .seconds(Int64(table("EMOJI_CLAIM_IDLE_SECONDS")) ?? -1))
        #expect(config.pollInterval == .seconds(Int64(table("EMOJI_POLL_INTERVAL_SECONDS")) ?? -1))
        #expect(config.pollTimeout == .seconds(Int64(table("EMOJI_POLL_TIMEOUT_SECONDS")) ?? -1))
        #expect(config.readBlock == .milliseconds(Int64(table("EMOJI_READ_BLOCK_MILLISECONDS")) ?? -1))
        #expect(config.mockDelay == .seconds(Int64(table("EMOJI_MOCK_DELAY_SECONDS")) ?? -1))
        #expect(config.shutdownDeadline == .seconds(Int64(table("SHUTDOWN_DEADLINE_SECONDS")) ?? -1))
        #expect(config.submitRatePerSecond == Double(table("DASHSCOPE_SUBMIT_RATE")))
        #expect(config.resultPrefix == table("OSS_RESULT_PREFIX"))
        var env = minimal
        env["EMOJI_CONCURRENCY"] = "7"
        env["DASHSCOPE_USER_SHARE"] = "0"
        let set = EmojiWorkerConfiguration(settings: try Settings.load(from: env, requiring: []))
        #expect(set.concurrency == 7 && set.userShare == 0)
    }

    /// The crash bound follows the submit rate (a quarter second of it, 16 to 512) unless set.
    @Test func submitsInFlightFollowTheSubmitRateUnlessSet() throws {
        var env = minimal
        func bound() throws -> Int { try Settings.load(from: env, requiring: []).workers.emojiSubmitsInFlight }
        env["DASHSCOPE_SUBMIT_RATE"] = "2000"
        #expect(try bound() == 500)
        env["DASHSCOPE_SUBMIT_RATE"] = "10000"
        #expect(try bound() == 512)
        env["DASHSCOPE_SUBMIT_RATE"] = "10"
        #expect(try bound() == 16)
        env["EMOJI_SUBMITS_IN_FLIGHT"] = "3"
        env["DASHSCOPE_SUBMIT_RATE"] = "2000"
        #expect(try bound() == 3)
    }

    /// Three of the four `OSS_*` (one lost in `.env`) must not quietly mean local files.
    @Test func aPartlySetOSSGroupIsRefusedOutsideLocalAndWarnedInLocal() throws {
        var env = minimal
        env["OSS_ENDPOINT"] = "oss-cn-hangzhou.aliyuncs.com"
        env["OSS_BUCKET"] = "pickitchen"
        env["OSS_ACCESS_KEY_ID"] = "LTAI-id"
        let local = try Settings.load(from: env)
        #expect(local.storage.backend == .local)
        let warning = local.warnings.filter { $0.contains("OSS storage is partly configured") }
        #expect(warning.count == 1 && warning[0].contains("OSS_ACCESS_KEY_SECRET missing"), "\(local.warnings)")

        env["ENVIRONMENT"] = "production"
        env["SECRET_KEY"] = "a-real-secret-of-at-least-32-bytes-long"
        env["REVENUECAT_WEBHOOK_SECRET"] = "webhook-secret-of-our-own"
        do {
            _ = try Settings.load(from: env)
            Issue.record("a partly set OSS group started outside local")
        } catch {
            #expect(error.setting == "OSS_ACCESS_KEY_SECRET")
        }
        // Local files on purpose, or all four set: no refusal, no warning.
        env["STORAGE_BACKEND"] = "local"
        #expect(try Settings.load(from: env).warnings.allSatisfy { !$0.contains("OSS") })
        env["STORAGE_BACKEND"] = nil
        env["OSS_ACCESS_KEY_SECRET"] = "secret"
        #expect(try Settings.load(from: env).storage.backend == .oss)
    }

    /// What the operations guide tells operators to copy must not start a stack in
    /// `local` (issue 12: `local` relaxes secrets and mocks the provider).
    @Test func theShippedEnvExampleIsProduction() throws {
        let path = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/.env.example").path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let values = lines.filter { $0.hasPrefix("ENVIRONMENT=") }.map { $0.dropFirst("ENVIRONMENT=".count) }
        #expect(values == ["production"], "\(values)")
    }

    @Test func corsOriginsInBothForms() throws {
        #expect(try Settings.parseCORSOrigins("http://a.test/, https://b.test") == ["http://a.test", "https://b.test"])
        #expect(try Settings.parseCORSOrigins(#"["http://a.test"]"#) == ["http://a.test"])
    }
}

@Suite struct BusinessConfigTests {
    @Test func builtInMatchesTheOriginalDefault() {
        let config = BusinessConfig.builtIn
        #expect(config.emojiCost == 200)
        #expect(config.weeklyReward(for: .weekly) == 2000)
        #expect(config.weeklyReward(for: .lifetime) == 3000)
        #expect(config.vipType(forProduct: "weekly_001") == .weekly)
        #expect(config.vipType(forProduct: "lifetime_001") == .lifetime)
        #expect(config.pointsPack(forProduct: "points_3000") == 3000)
        #expect(config.pointsPack(forProduct: "weekly_001") == nil)
    }

    @Test func reloadsWhenTheFileChangesAndKeepsTheLastGoodOne() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("config") + ".json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"points_rules":{"emoji":300}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let store = try BusinessConfigStore(path: path)
        #expect(store.current.emojiCost == 300)

        try await Task.sleep(for: .milliseconds(1100))
        try #"{"points_rules":{"emoji":450},"banners":[]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(store.current.emojiCost == 450)

        try #"{"points_rules": broken"#.write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(store.current.emojiCost == 450)
    }

    @Test func invalidFileAtStartIsAConfigurationError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("config") + ".json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"points_packs":{"p":-5}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try BusinessConfigStore(path: path) }
        #expect(throws: ConfigurationError.self) { try BusinessConfigStore(path: path + ".missing") }
    }
}
