import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
@testable import GalleyEmoji
import GalleyTestSupport

@Suite struct SettingsTableTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]

    @Test func everyDefaultIsAValidValueOfItsSetting() throws {
        for definition in SettingsTable.definitions {
            if let value = definition.defaultValue {
                #expect(throws: Never.self, "\(definition.name) default \(value)") { try definition.validate(value) }
            }
            #expect(!definition.summary.isEmpty && !definition.readBy.isEmpty, "\(definition.name)")
            #expect(!(definition.defaultValue != nil && definition.isRequired), "\(definition.name)")
        }
    }

    /// Each typed setting of the table is really read: a bad value for it stops the load, naming it.
    @Test func everyTypedSettingIsReadAndChecked() {
        for definition in SettingsTable.definitions {
            if case .text = definition.kind { continue }
            if case .secret = definition.kind { continue }
            var env = minimal
            env[definition.name] = "not-a-value"
            do {
                _ = try Settings.load(from: env)
                Issue.record("\(definition.name) accepted a bad value: is it read?")
            } catch {
                #expect(error.setting == definition.name)
                #expect(!error.description.contains("not-a-value"))
            }
        }
    }

    @Test func eachNameIsDefinedOnce() {
        let names = SettingsTable.definitions.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0 == $0.uppercased() && !$0.contains(" ") })
    }

    @Test func aValueOutsideItsRangeIsRefusedNamingTheSetting() {
        var env = minimal
        env["EMOJI_POLL_INTERVAL_SECONDS"] = "0"
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env) }
        env = minimal
        env["SHUTDOWN_DEADLINE_SECONDS"] = "1.5"  // whole seconds, as before
        do {
            _ = try Settings.load(from: env)
            Issue.record("accepted a fractional SHUTDOWN_DEADLINE_SECONDS")
        } catch {
            #expect(error.setting == "SHUTDOWN_DEADLINE_SECONDS")
        }
    }

    @Test func logLevelIgnoresCaseAsBefore() throws {
        var env = minimal
        env["LOG_LEVEL"] = "WARN"
        #expect(try Settings.load(from: env).logLevel == .warning)
    }

    @Test func timesAreDurationsInTheUnitTheNameSays() throws {
        var env = minimal
        env["EMOJI_POLL_INTERVAL_SECONDS"] = "0.25"
        env["EMOJI_READ_BLOCK_MILLISECONDS"] = "750"
        env["ACCESS_TOKEN_EXPIRE_DAYS"] = "2"
        env["OSS_UPLOAD_EXPIRE_SECONDS"] = "90"
        let settings = try Settings.load(from: env)
        #expect(settings.dashScope.pollInterval == .milliseconds(250))
        #expect(settings.workers.emojiReadBlock == .milliseconds(750))
        #expect(settings.auth.accessTokenLifetime == .seconds(2 * 86_400))
        #expect(settings.storage.uploadExpiry == .seconds(90))
        #expect(settings.http.timeout == .seconds(30))
    }

    @Test func theClaimIdleTimeHasOneValue() throws {
        let defaults = try Settings.load(from: minimal)
        #expect(SettingsTable.definition("EMOJI_CLAIM_IDLE_SECONDS")?.defaultValue == "120")
        #expect(defaults.workers.emojiClaimIdle == .seconds(120))
        #expect(defaults.workers.emojiLease == .seconds(120))
        var env = minimal
        env["EMOJI_CLAIM_IDLE_SECONDS"] = "300"
        let set = try Settings.load(from: env)
        #expect(set.workers.emojiClaimIdle == .seconds(300))
        #expect(EmojiWorkerConfiguration.load(settings: set).claimMinIdle == .seconds(300))
    }

    /// docs/settings.md is generated (`APIGateway settings --markdown > docs/settings.md`).
    @Test func theDocsTableIsTheGeneratedOne() throws {
        let path = TestEnvironment.repositoryRoot.appendingPathComponent("docs/settings.md").path
        let file = try String(contentsOfFile: path, encoding: .utf8)
        #expect(file == SettingsTable.markdown(), "docs/settings.md drifted: run APIGateway settings --markdown > docs/settings.md")
    }

    @Test func helpListsTheSettingsAnExecutableReads() {
        let interface = CommandLineInterface(.webhookWorker, commands: [.init("run", "consume")], defaultCommand: "run")
        #expect(interface.help.contains("WEBHOOK_WORKER_CONCURRENCY"))
        #expect(interface.help.contains("POSTGRES_SERVER"))
        #expect(!interface.help.contains("EMOJI_CONCURRENCY"))
        #expect(!interface.help.contains("HTTP_WORKERS"))
    }
}
