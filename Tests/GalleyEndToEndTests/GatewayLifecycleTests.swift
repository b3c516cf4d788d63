import Dispatch
import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyGateway
import GalleyTestSupport

/// The process around the routes: SIGTERM finishes in-flight requests and exits 0,
/// `APIGateway migrate` applies and exits, bad settings stop the start with one line,
/// a Snowflake node id another live process holds is refused.
@Suite struct GatewayLifecycleTests {
    @Test func sigtermFinishesTheRequestInFlightThenExitsZero() async throws {
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 15))
        do {
            try await drain(gateway)
        } catch {
            Issue.record("failed: \(error)\n\(gateway.logTail())")
        }
        await gateway.tearDown()
    }

    func drain(_ gateway: GatewayProcess) async throws {
        let (token, userID) = try await gateway.login()
        try await gateway.fund(userID, 1000)
        // Hold the user's points row so the create blocks inside its transaction.
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let configuration = gateway.postgresConfiguration
        let holder = Task {
            try await onThread { () -> Void in
                let connection = try PostgresConnection(configuration: configuration)
                defer { connection.close() }
                try connection.transaction { connection in
                    try connection.query("SELECT balance FROM user_points WHERE user_id = $1 FOR UPDATE", [userID])
                    locked.signal()
                    _ = release.wait(timeout: .now() + 20)
                }
            }
        }
        try await onThread { locked.wait() }
        let port = gateway.port
        let inFlight = Task {
            try await onThread {
                try GatewayHTTPClient.request(port: port, method: "POST", path: "/api/v1/emoji/create",
                                              headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                                              body: JSONWriter.bytes(["image_url": "https://x/a.jpg", "driven_id": "d",
                                                                      "face_bbox": [1, 2, 3, 4], "ext_bbox": [1, 2, 3, 4]]))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        gateway.terminate()
        try await Task.sleep(for: .milliseconds(500))
        #expect(gateway.isRunning, "the gateway waits for the request in flight")
        // No new connections once draining.
        let refused = try? await gateway.get("/api/v1/health")
        #expect(refused == nil)
        release.signal()
        try await holder.value
        let answer = try await inFlight.value
        #expect(answer.status == 200 && answer.data?["status"] == "pending")
        let status = await gateway.waitForExit(seconds: 15)
        #expect(status == 0)
        #expect(gateway.logTail().contains("\"msg\":\"stopped\""))
        let tasks = try await gateway.sql("SELECT count(*)::int AS n FROM emoji_tasks WHERE user_id = $1", [userID])
        #expect(try tasks.first?.decode(Int.self, "n") == 1)
    }

    @Test func migrateSubcommandAppliesAndExits() async throws {
        let database = TestEnvironment.uniqueName("gwmig").lowercased()
        try await onThread { try GatewayProcess.adminExecute("CREATE DATABASE \(database)") }
        defer { try? GatewayProcess.adminExecute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let run = try await GatewayProcess.runToExit(arguments: ["migrate"], environment: ["POSTGRES_DB": database])
        #expect(run.status == 0, "\(run.stderr)")
        let configuration = PostgresConfiguration(
            host: TestEnvironment.postgresHost, port: TestEnvironment.postgresPort, user: TestEnvironment.postgresUser,
            password: TestEnvironment.postgresPassword, database: database)
        let versions = try await onThread { () -> [Int] in
            let connection = try PostgresConnection(configuration: configuration)
            defer { connection.close() }
            return try connection.query("SELECT version FROM galley_migrations ORDER BY version").rows.map { try $0.decode(Int.self, "version") }
        }
        #expect(versions.prefix(3) == [1, 2, 3])
        let again = try await GatewayProcess.runToExit(arguments: ["migrate"], environment: ["POSTGRES_DB": database])
        #expect(again.status == 0)
    }

    @Test(arguments: [
        (["PORT": "eighty"], "PORT"),
        (["POSTGRES_SERVER": ""], "POSTGRES_SERVER"),
        (["ENVIRONMENT": "production", "SECRET_KEY": "s3cret", "REVENUECAT_WEBHOOK_SECRET": ""], "REVENUECAT_WEBHOOK_SECRET"),
        (["STORAGE_BACKEND": "s3", "OSS_ENDPOINT": ""], "OSS_ENDPOINT"),
        (["SNOWFLAKE_NODE_ID": "5000"], "SNOWFLAKE_NODE_ID"),
    ])
    func badSettingsStopTheStartWithOneLine(environment: [String: String], setting: String) async throws {
        let run = try await GatewayProcess.runToExit(arguments: [], environment: environment.merging(["POSTGRES_DB": "galley"]) { a, _ in a })
        #expect(run.status == ExitCode.configuration.rawValue)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(setting))
    }

    @Test func storageThatCannotBeBuiltIs500001() async throws {
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 15, environment: [
            "STORAGE_BACKEND": "s3", "OSS_ENDPOINT": "http://[not-a-host", "OSS_BUCKET": "b",
            "OSS_ACCESS_KEY_ID": "k", "OSS_ACCESS_KEY_SECRET": "s",
        ]))
        do {
            let (token, _) = try await gateway.login()
            let upload = try await gateway.request("POST", "/api/v1/emoji/upload?ext=jpg", token: token)
            #expect(upload.status == 500 && upload.code == 500001 && upload.message == "OSS not configured")
        } catch {
            Issue.record("failed: \(error)")
        }
        await gateway.tearDown()
    }

    @Test func aNodeIDHeldByALiveProcessIsOnlyAPreference() async throws {
        let node = Int.random(in: 900...1000)
        let first = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 15, environment: ["SNOWFLAKE_NODE_ID": String(node)]))
        let second = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 15, environment: ["SNOWFLAKE_NODE_ID": String(node)]))
        do {
            // Both serve, and the second says it took another id instead of minting on node.
            let (token, _) = try await second.login()
            #expect(!token.isEmpty)
            let log = (try? String(contentsOfFile: second.logPath, encoding: .utf8)) ?? ""
            #expect(log.contains("SNOWFLAKE_NODE_ID is held by another live process"), "\(log)")
            #expect(first.isRunning && second.isRunning)
        } catch {
            Issue.record("failed: \(error)")
        }
        await second.tearDown()
        await first.tearDown()
    }
}
