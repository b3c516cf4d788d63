import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRedis
import GalleyTestSupport

/// Switch day: the long-running executables (gateway, both workers, the reward
/// scheduler) start together on the original's
/// `.env` alone, laid out as the original ran (the file in the repository root, the
/// processes in `backend/`), with no environment but `PATH`. The file is the original's
/// example (`SNOWFLAKE_NODE_ID=0` for all, OSS and SMTP lines, a quoted `PROJECT_NAME`)
/// with the stores pointed at the test stack and `PORT` set to a free port.
@Suite(.serialized)
struct OriginalEnvFleetTests {
    static let redisDatabase = 9

    static func envFile(database: String, port: Int) -> String {
        """
        # Domain
        DOMAIN=seboadx.com 
        ENVIRONMENT=local

        PROJECT_NAME="AIPicAPP"
        STACK_NAME=ai-pic-app

        # Backend
        BACKEND_CORS_ORIGINS="http://localhost,https://localhost,http://localhost.tiangolo.com"
        SECRET_KEY=kvhzQRtDpokErUm1ZLpx

        # Emails
        SMTP_HOST=
        SMTP_USER=
        SMTP_PASSWORD=
        EMAILS_FROM_EMAIL=info@example.com
        SMTP_TLS=True
        SMTP_SSL=False
        SMTP_PORT=587

        # Postgres
        POSTGRES_SERVER=\(TestEnvironment.postgresHost)
        POSTGRES_PORT=\(TestEnvironment.postgresPort)
        POSTGRES_DB=\(database)
        POSTGRES_USER=\(TestEnvironment.postgresUser)
        POSTGRES_PASSWORD=\(TestEnvironment.postgresPassword)

        SENTRY_DSN=
        DOCKER_IMAGE_BACKEND=backend

        # Snowflake
        SNOWFLAKE_NODE_ID=0

        # Redis (local dev)
        REDIS_HOST=\(TestEnvironment.redisHost)
        REDIS_PORT=\(TestEnvironment.redisPort)
        REDIS_DB=\(redisDatabase)

        # Aliyun OSS (client direct upload; replace with real values for production)
        OSS_ENDPOINT=oss-cn-hangzhou.aliyuncs.com
        OSS_BUCKET=pickitchen-dev
        OSS_ACCESS_KEY_ID=test_access_key_id
        OSS_ACCESS_KEY_SECRET=test_access_key_secret
        OSS_DIR_PREFIX=uploads
        OSS_UPLOAD_EXPIRE_SECONDS=60

        # Aliyun Emoji API
        ALIYUN_EMOJI_MOCK=true

        # RevenueCat webhook auth (set this in RevenueCat dashboard too)
        REVENUECAT_WEBHOOK_SECRET=test_webhook_secret

        # The test's only addition: a free port for the gateway.
        PORT=\(port)

        """
    }

    static func binary(_ name: String) -> String {
        URL(fileURLWithPath: GatewayProcess.binaryPath).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static func healthy(port: Int, path: String) -> Bool {
        (try? GatewayHTTPClient.request(port: port, method: "GET", path: path, timeoutSeconds: 2))?.status == 200
    }

    @Test func theLongRunningExecutablesStartAndStayUpOnTheOriginalsEnvAlone() async throws {
        // The workers' metrics ports are their defaults (the original's .env sets none).
        for busy in [9101, 9102, 9103] where Self.healthy(port: busy, path: "/health") {
            Issue.record("port \(busy) is already in use on this machine; cannot run the workers on their defaults")
            return
        }
        let database = try TestDatabase(migrated: false)  // each process migrates on start, concurrently
        defer { database.drop() }
        let redis = try RedisConnection(configuration: RedisConfiguration(
            host: TestEnvironment.redisHost, port: TestEnvironment.redisPort, database: Self.redisDatabase))
        _ = try redis.checkedCommand(["FLUSHDB"])

        let root = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("original-env")).path
        let backend = root + "/backend"
        try FileManager.default.createDirectory(atPath: backend, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = try GatewayProcess.freePort()
        try Self.envFile(database: database.name, port: port).write(toFile: root + "/.env", atomically: true, encoding: .utf8)

        var processes: [(String, Process)] = []
        for (name, arguments) in [("APIGateway", []), ("EmojiWorker", []), ("WebhookWorker", []), ("RewardWorker", ["schedule"])] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary(name))
            process.arguments = arguments
            process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            process.currentDirectoryURL = URL(fileURLWithPath: backend)
            let log = root + "/\(name).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: log)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            processes.append((name, process))
        }
        defer {
            for (_, process) in processes where process.isRunning { process.terminate() }
            for (_, process) in processes { process.waitUntilExit() }
        }
        func logs() -> String {
            processes.map { name, _ in "--- \(name)\n" + ((try? String(contentsOfFile: root + "/\(name).log", encoding: .utf8)) ?? "") }
                .joined(separator: "\n")
        }

        let deadline = Date().addingTimeInterval(60)
        var up = false
        while Date() < deadline, processes.allSatisfy({ $0.1.isRunning }) {
            if Self.healthy(port: port, path: "/api/v1/health"), Self.healthy(port: 9101, path: "/health"),
               Self.healthy(port: 9102, path: "/health"), Self.healthy(port: 9103, path: "/health") { up = true; break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(up, "\(logs())")
        guard up else { return }

        // Past one lease renewal (ttl/3 = 10 s): nobody lost its node id or stopped.
        try await Task.sleep(for: .seconds(12))
        for (name, process) in processes { #expect(process.isRunning, "\(name) stopped:\n\(logs())") }
        let keys = try redis.checkedCommand(["KEYS", "galley:snowflake:node:*"]).arrayValue?.compactMap(\.stringValue) ?? []
        #expect(keys.count == 4, "\(keys)")
        #expect(keys.contains("galley:snowflake:node:0"), "the preferred id is used by one of them: \(keys)")
        #expect(logs().contains("SNOWFLAKE_NODE_ID is held by another live process"))

        // The gateway serves the app with the file's settings (CORS from BACKEND_CORS_ORIGINS).
        let login = try GatewayHTTPClient.request(
            port: port, method: "POST", path: "/api/v1/auth/login",
            headers: [("Content-Type", "application/json"), ("Origin", "http://localhost")],
            body: Array(#"{"device_id":"switch-day"}"#.utf8))
        #expect(login.status == 200, "\(login.text)")
        #expect(login.header("access-control-allow-origin") == "http://localhost")

        for (_, process) in processes { process.terminate() }
        for (name, process) in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(name) exited \(process.terminationStatus):\n\(logs())")
        }
    }
}
