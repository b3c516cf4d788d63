import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

@Suite struct CommandLineInterfaceTests {
    let interface = CommandLineInterface(.webhookWorker, commands: [
        .init("run", "consume"),
        .init("replay", synopsis: "--event ID", "replay", migratesOnStart: false) { arguments in
            guard arguments.count == 2, arguments[0] == "--event" else { throw ProcessFailure.usage("replay needs --event ID") }
        },
    ], defaultCommand: "run")

    private func usageError(_ arguments: [String]) -> ProcessFailure? {
        do {
            _ = try interface.parse(arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test func noArgumentsRunTheDefaultCommand() throws {
        #expect(try interface.parse([]) == .run(Invocation(command: "run", arguments: [])))
        #expect(try interface.parse(["replay", "--event", "e1"]) == .run(Invocation(command: "replay", arguments: ["--event", "e1"])))
    }

    @Test func helpAndVersionWinOverEverythingElse() throws {
        #expect(try interface.parse(["--help"]) == .help)
        #expect(try interface.parse(["-h"]) == .help)
        #expect(try interface.parse(["replay", "--help"]) == .help)
        #expect(try interface.parse(["--version"]) == .version)
        #expect(try interface.parse(["settings", "--markdown"]) == .settings(markdown: true))
    }

    @Test(arguments: [["--bogus"], ["walk"], ["run", "extra"], ["replay"], ["--version", "x"], ["settings", "--json"]])
    func usageErrorsExit64(_ arguments: [String]) {
        let failure = usageError(arguments)
        #expect(failure?.exitCode == .usage, "\(arguments)")
        #expect(failure.map { !$0.description.contains("\n") } == true)
    }

    @Test func aUsageErrorEchoesNoLongValue() {
        let secret = "--" + String(repeating: "s3cr3t", count: 20)
        let failure = usageError([secret])
        #expect(failure?.description.contains(secret) == false)
    }

    @Test func aCommandIsRequiredWithoutADefault() {
        let reward = CommandLineInterface(.rewardWorker, commands: [.init("run", "once"), .init("schedule", "weekly")], defaultCommand: nil)
        #expect(throws: ProcessFailure.self) { try reward.parse([]) }
        #expect(reward.usage.hasPrefix("usage: RewardWorker run"))
    }

    @Test func versionNamesTheCommit() {
        #expect(BuildInfo.versionLine("APIGateway").hasPrefix("APIGateway \(BuildInfo.version) (commit "))
        #expect(!BuildInfo.commit.isEmpty)
    }
}
