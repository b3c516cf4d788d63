import Testing
@testable import GalleyCore
@testable import GalleyRewards
import GalleyTestSupport

@Suite struct RewardCommandLineTests {
    @Test func runDefaultsAndOptions() throws {
        #expect(try RewardCommandLine.parse(["run"]) == .run(week: nil, dryRun: false, batchSize: 5000))
        #expect(try RewardCommandLine.parse(["run", "--week", "2026-W47", "--dry-run", "--batch-size", "250"])
            == .run(week: try ISOWeek(year: 2026, week: 47), dryRun: true, batchSize: 250))
        #expect(try RewardCommandLine.parse(["run", "--week=2026-W53", "--batch-size=1"])
            == .run(week: try ISOWeek(year: 2026, week: 53), dryRun: false, batchSize: 1))
        #expect(try RewardCommandLine.parse(["schedule"]) == .schedule)
        #expect(try RewardCommandLine.parse(["--help"]) == .help)
        #expect(try RewardCommandLine.parse(["run", "--help"]) == .help)
    }

    @Test func usageErrors() {
        let bad: [[String]] = [
            [], ["walk"], ["run", "--week"], ["run", "--week", "2025-W53"], ["run", "--week", "2026-47"],
            ["run", "--week", "2026-W47", "--week", "2026-W48"], ["run", "--batch-size", "0"],
            ["run", "--batch-size", "ten"], ["run", "--batch-size", "100001"], ["run", "--dry-run=yes"],
            ["run", "--force"], ["schedule", "--week", "2026-W47"],
        ]
        for arguments in bad {
            #expect(throws: RewardUsageError.self, "\(arguments)") { try RewardCommandLine.parse(arguments) }
        }
    }

    @Test func usageMessagesDoNotEchoValues() throws {
        do {
            _ = try RewardCommandLine.parse(["run", "--week", "secret-W99"])
            Issue.record("accepted a bad week")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }
}
