import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyTesting
import GalleyTestSupport

/// The operator console in a real browser (issue 14): a gateway with `ADMIN_PASSWORD`, an
/// EmojiWorker on a fake DashScope, and headless Chromium driven by Selenium
/// (Tests/Browser/console_browser.py, run from `scripts/browser`'s pinned venv). The script
/// logs in, sees a poison entry's dead letter appear live, replays it once its row exists,
/// watches the task complete, adjusts points, reads the ledger and the audit, and renders
/// pages with JavaScript off. This test then checks the same outcome in the database.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let password = "browser-" + Base64URL.encode(Crypto.randomBytes(12))

    @Test func anOperatorFixesALostTaskAndAnAccountInTheBrowser() async throws {
        let python = try Self.browserPython()
        let harness = try EmojiWorkerHarness(redisDatabase: 1, fake: FakeDashScopeConfiguration())
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 1, environment: [
            "POSTGRES_DB": harness.database.name, "ADMIN_PASSWORD": Self.password, "ADMIN_USERNAME": "operator",
            "RATE_LIMIT_ADMIN_LOGIN_FAILURES_PER_MINUTE": "100",
        ]))
        let worker = try harness.startWorker("console", concurrency: 4, ["EMOJI_MAX_DELIVERIES": "2"])
        defer { worker.killHard() }

        // A charged, pending task whose row is out of sight: its entry is poison until it shows up.
        let balance = 5_000
        let userID = try harness.fixtures.user(balance: balance)
        let taskID = try harness.fixtures.task(userID: userID)
        _ = try await harness.pool.withConnection { try $0.execute("UPDATE emoji_tasks SET id = -id WHERE id = $1", [taskID]) }

        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "CONSOLE_URL": "http://127.0.0.1:\(gateway.port)", "ADMIN_USERNAME": "operator", "ADMIN_PASSWORD": Self.password,
            "SECRET_KEY": GatewayProcess.secretKey,
            "SCREENSHOT_DIR": environment["CONSOLE_SCREENSHOT_DIR"]
                ?? TestEnvironment.repositoryRoot.appendingPathComponent(".local/console-screenshots").path,
            "TASK_ID": String(taskID), "USER_ID": String(userID),
            "PGHOST": TestEnvironment.postgresHost, "PGPORT": String(TestEnvironment.postgresPort),
            "PGUSER": TestEnvironment.postgresUser, "PGPASSWORD": TestEnvironment.postgresPassword,
            "PGDATABASE": harness.database.name,
            "REDIS_PORT": String(TestEnvironment.redisPort), "REDIS_DB": "1",
        ]) { $1 }
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Browser/console_browser.py").path
        let (status, output) = try await Self.run(python, [script], environment: environment)
        await gateway.tearDown()
        #expect(status == 0, "the browser script failed:\n\(output)\n-- gateway log --\n\(gateway.logTail())")

        // What the browser saw is what the database holds.
        let row = try harness.fixtures.row(taskID)
        #expect(row?.status == "completed")
        let balanceNow = try await harness.pool.withConnection { connection in
            try connection.query("SELECT balance FROM user_points WHERE user_id = $1", [userID]).first?.decode(Int.self, at: 0)
        }
        #expect(balanceNow == balance - 200 + 500 - 100)
        let actions = try await harness.pool.withConnection { connection in
            try connection.query("SELECT action, actor FROM admin_audit ORDER BY id").map {
                "\(try $0.decode(String.self, at: 0)) by \(try $0.decode(String.self, at: 1))"
            }
        }
        #expect(actions == ["dead.replay by operator", "points.adjust by operator", "points.adjust by operator"])
    }

    /// The venv's python from `scripts/browser python` (installs Chromium and Selenium when missing).
    static func browserPython() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("scripts/browser").path, "python"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !path.isEmpty else {
            throw GatewayHTTPClient.ClientError(description: "scripts/browser python failed (status \(process.terminationStatus))")
        }
        return path
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        try await onThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
