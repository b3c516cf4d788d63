import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// A real `APIGateway` process for end-to-end tests: its own PostgreSQL database
/// (created here, migrated by the gateway on start, dropped at the end), a Redis
/// database number of its own, and a free port. Tests talk to it over real HTTP.
package final class GatewayProcess: Sendable {
    /// This test run's signing key: drawn at random, never a key written in the repository.
    package static let secretKey = Base64URL.encode(Crypto.randomBytes(32))
    package struct Options: Sendable {
        /// The Redis database the gateway uses (suites pick different ones; streams have fixed names).
        package var redisDatabase: Int
        package var redisPort: Int = TestEnvironment.redisPort
        package var environment: [String: String] = [:]
        /// Runs on the fresh database (by name) before the gateway starts and migrates it,
        /// e.g. to load a dump of the original's database.
        package var prepareDatabase: (@Sendable (String) throws -> Void)?
        package init(redisDatabase: Int, redisPort: Int = TestEnvironment.redisPort, environment: [String: String] = [:],
             prepareDatabase: (@Sendable (String) throws -> Void)? = nil) {
            self.redisDatabase = redisDatabase
            self.redisPort = redisPort
            self.environment = environment
            self.prepareDatabase = prepareDatabase
        }
    }

    /// The gateway of the running suite (set by the `.gateway(...)` suite trait).
    @TaskLocal package static var current: GatewayProcess?

    package static var shared: GatewayProcess {
        get throws {
            guard let current else { throw GatewayHTTPClient.ClientError(description: "no gateway: add .gateway(...) to the suite") }
            return current
        }
    }

    package let port: Int
    package let database: String
    package let options: Options
    package let logPath: String
    package let storageDirectory: String
    private let process: Process

    private init(port: Int, database: String, options: Options, logPath: String, storageDirectory: String, process: Process) {
        self.port = port
        self.database = database
        self.options = options
        self.logPath = logPath
        self.storageDirectory = storageDirectory
        self.process = process
    }

    /// The APIGateway binary built next to the test bundle.
    package static var binaryPath: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("APIGateway").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/APIGateway").path
    }

    package static func start(_ options: Options) async throws -> GatewayProcess {
        // Rate-limit windows of an earlier run of the same suite must not count against this one.
        let redis = RedisConfiguration(host: TestEnvironment.redisHost, port: options.redisPort, database: options.redisDatabase)
        try await onThread {
            let connection = try RedisConnection(configuration: redis)
            let keys = try connection.checkedCommand(["KEYS", "galley:ratelimit:*"]).arrayValue?.compactMap(\.stringValue) ?? []
            try connection.del(keys)
        }
        let database = TestEnvironment.uniqueName("gw").lowercased()
        try await onThread { try adminExecute("CREATE DATABASE \(database)") }
        if let prepare = options.prepareDatabase {
            do {
                try await onThread { try prepare(database) }
            } catch {
                try? await onThread { try adminExecute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
                throw error
            }
        }
        let port = try freePort()
        let storageDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(database + "-objects").path
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent(database + ".log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)

        var environment = ProcessInfo.processInfo.environment
        let defaults: [String: String] = [
            "ENVIRONMENT": "local",
            "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
            "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
            "POSTGRES_DB": database,
            "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(options.redisPort),
            "REDIS_DB": String(options.redisDatabase),
            "HOST": "127.0.0.1", "PORT": String(port),
            "MIGRATE_ON_START": "true", "STORAGE_BACKEND": "local", "STORAGE_LOCAL_DIR": storageDirectory,
            "ALIYUN_EMOJI_MOCK": "true", "SECRET_KEY": GatewayProcess.secretKey, "LOG_LEVEL": "info",
            "RATE_LIMIT_LOGIN_PER_MINUTE": "0", "RATE_LIMIT_CREATE_PER_MINUTE": "0",
            "RATE_LIMIT_DETECT_PER_MINUTE": "0", "RATE_LIMIT_UPLOAD_PER_MINUTE": "0",
            "HTTP_THREADS": "2", "DB_POOL_SIZE": "20", "SHUTDOWN_DEADLINE_SECONDS": "10",
        ]
        for (name, value) in defaults { environment[name] = value }
        // A dedicated redis-server of the test's own is not behind the Sentinels.
        if options.redisPort != TestEnvironment.redisPort { environment["REDIS_SENTINELS"] = nil }
        for name in ["SNOWFLAKE_NODE_ID", "CONFIG_PATH", "OSS_PUBLIC_BASE_URL", "BACKEND_CORS_ORIGINS",
                     "REVENUECAT_WEBHOOK_SECRET", "REDIS_PASSWORD"] {
            environment[name] = nil
        }
        for (name, value) in options.environment { environment[name] = value }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.environment = environment
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let gateway = GatewayProcess(port: port, database: database, options: options, logPath: logPath,
                                     storageDirectory: storageDirectory, process: process)
        try await gateway.waitUntilHealthy()
        return gateway
    }

    /// Polls `/api/v1/health` from one plain thread (so a busy cooperative pool in a
    /// full parallel test run cannot starve the wait) for up to two minutes.
    private func waitUntilHealthy() async throws {
        let process = self.process
        let port = self.port
        let healthy = try await onThread { () -> Bool in
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                guard process.isRunning else { return false }
                if let response = try? GatewayHTTPClient.request(port: port, method: "GET", path: "/api/v1/health", timeoutSeconds: 5),
                   response.status == 200 { return true }
                usleep(100_000)
            }
            return false
        }
        guard healthy else {
            throw GatewayHTTPClient.ClientError(description: "gateway did not become healthy: \(logTail())")
        }
    }

    /// SIGTERM, then waits for the exit; answers the exit status (-1 if it had to be killed).
    @discardableResult
    package func stop() async -> Int32 {
        let process = self.process
        if process.isRunning { process.terminate() }
        let status: Int32 = await (try? onThread { () -> Int32 in
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { usleep(10_000) }
                return -1
            }
            return process.terminationStatus
        }) ?? -1
        return status
    }

    /// Sends SIGTERM without waiting (see ``waitForExit(seconds:)``).
    package func terminate() { if process.isRunning { process.terminate() } }

    /// The exit status once the process ended, or nil if it still runs after `seconds`.
    package func waitForExit(seconds: Double) async -> Int32? {
        let process = self.process
        return await (try? onThread { () -> Int32? in
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            return process.isRunning ? nil : process.terminationStatus
        }) ?? nil
    }

    /// Runs the binary to completion (a subcommand, or a start that must fail) with the
    /// test stack's settings plus `environment`; answers the exit status and stderr.
    package static func runToExit(arguments: [String], environment: [String: String]) async throws -> (status: Int32, stderr: String) {
        var env = ProcessInfo.processInfo.environment
        let defaults: [String: String] = [
            "ENVIRONMENT": "local", "POSTGRES_SERVER": TestEnvironment.postgresHost,
            "POSTGRES_PORT": String(TestEnvironment.postgresPort), "POSTGRES_USER": TestEnvironment.postgresUser,
            "POSTGRES_PASSWORD": TestEnvironment.postgresPassword, "REDIS_HOST": TestEnvironment.redisHost,
            "REDIS_PORT": String(TestEnvironment.redisPort), "HOST": "127.0.0.1",
        ]
        for (name, value) in defaults { env[name] = value }
        for (name, value) in environment { env[name] = value }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments = arguments
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return try await onThread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            while process.isRunning { usleep(10_000) }
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    package var isRunning: Bool { process.isRunning }
    package var processIdentifier: Int32 { process.processIdentifier }

    /// Stops the process if needed and drops the database and stored objects.
    package func tearDown() async {
        await stop()
        let database = self.database
        try? await onThread { try GatewayProcess.adminExecute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        try? FileManager.default.removeItem(atPath: storageDirectory)
    }

    package func logTail(_ bytes: Int = 4000) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    // MARK: - HTTP

    package func request(_ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil,
                 headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> GatewayHTTPResponse {
        var allHeaders = headers
        if let token { allHeaders.append(("Authorization", "Bearer \(token)")) }
        var payload = body
        if let json {
            payload = JSONWriter.bytes(json)
            if !allHeaders.contains(where: { $0.0.lowercased() == "content-type" }) {
                allHeaders.append(("Content-Type", "application/json"))
            }
        }
        let port = self.port
        let finalHeaders = allHeaders
        let finalBody = payload
        return try await onThread {
            try GatewayHTTPClient.request(port: port, method: method, path: path, headers: finalHeaders, body: finalBody)
        }
    }

    package func get(_ path: String, token: String? = nil, headers: [(String, String)] = []) async throws -> GatewayHTTPResponse {
        try await request("GET", path, token: token, headers: headers)
    }

    package func post(_ path: String, token: String? = nil, json: JSONValue, headers: [(String, String)] = []) async throws -> GatewayHTTPResponse {
        try await request("POST", path, token: token, json: json, headers: headers)
    }

    package func raw(_ bytes: [UInt8], timeoutSeconds: Int = 60) async throws -> GatewayHTTPResponse {
        let port = self.port
        return try await onThread { try GatewayHTTPClient.raw(port: port, bytes: bytes, timeoutSeconds: timeoutSeconds) }
    }

    /// Logs in a new device; answers the token and the user id.
    package func login(_ deviceID: String = TestEnvironment.uniqueName("device")) async throws -> (token: String, userID: Int64) {
        let response = try await post("/api/v1/auth/login", json: ["device_id": .string(deviceID)])
        guard response.status == 200, let token = response.data?["access_token"]?.stringValue,
              let id = response.data?["user"]?["id"]?.int64Value
        else { throw GatewayHTTPClient.ClientError(description: "login failed: \(response.status) \(response.text)") }
        return (token, id)
    }

    // MARK: - Direct access for assertions

    package var postgresConfiguration: PostgresConfiguration {
        PostgresConfiguration(host: TestEnvironment.postgresHost, port: TestEnvironment.postgresPort,
                              user: TestEnvironment.postgresUser, password: TestEnvironment.postgresPassword,
                              database: database)
    }

    /// Runs SQL on the gateway's database (a fresh session each time).
    package func sql(_ text: String, _ binds: [any PostgresEncodable] = []) async throws -> [PostgresRow] {
        let configuration = postgresConfiguration
        return try await onThread {
            let connection = try PostgresConnection(configuration: configuration)
            defer { connection.close() }
            return try connection.query(text, binds).rows
        }
    }

    /// Gives a user points directly (test setup, not through the API).
    package func fund(_ userID: Int64, _ points: Int) async throws {
        _ = try await sql("UPDATE user_points SET balance = $2 WHERE user_id = $1", [userID, points])
    }

    package var redisConfiguration: RedisConfiguration {
        RedisConfiguration(host: TestEnvironment.redisHost, port: options.redisPort, database: options.redisDatabase)
    }

    package func redis<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        let configuration = redisConfiguration
        return try await onThread { try body(try RedisConnection(configuration: configuration)) }
    }

    /// Task ids in the `emoji_tasks` stream, in stream order (with repeats, if any).
    package func streamTaskIDs(_ stream: String = "emoji_tasks", field: String = "task_id") async throws -> [String] {
        try await redis { connection in
            let reply = try connection.checkedCommand(["XRANGE", .string(stream), "-", "+"])
            return (reply.arrayValue ?? []).compactMap { entry -> String? in
                guard let parts = entry.arrayValue, parts.count == 2, let fields = parts[1].arrayValue else { return nil }
                var index = 0
                while index + 1 < fields.count {
                    if fields[index].stringValue == field { return fields[index + 1].stringValue }
                    index += 2
                }
                return nil
            }
        }
    }

    /// The stream's ids once every one of `expected` is there (entries are sent by a
    /// publisher thread right after the answer), or as they are after `seconds`.
    package func waitForStream(_ expected: [String], _ stream: String = "emoji_tasks", field: String = "task_id",
                       seconds: Double = 10) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let ids = try await streamTaskIDs(stream, field: field)
            if Set(expected).isSubset(of: Set(ids)) || Date() > deadline { return ids }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: - Helpers

    /// Runs SQL on the stack's admin database (CREATE / DROP DATABASE).
    package static func adminExecute(_ sql: String) throws {
        let connection = try PostgresConnection(configuration: PostgresConfiguration(
            host: TestEnvironment.postgresHost, port: TestEnvironment.postgresPort, user: TestEnvironment.postgresUser,
            password: TestEnvironment.postgresPassword, database: TestEnvironment.postgresDatabase))
        defer { connection.close() }
        try connection.simpleQuery(sql)
    }

    package static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayHTTPClient.ClientError(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { rebound -> Int32 in
                guard bind(fd, rebound, length) == 0 else { return -1 }
                return getsockname(fd, rebound, &length)
            }
        }
        guard bound == 0 else { throw GatewayHTTPClient.ClientError(description: "bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs blocking work (sockets, libpq, hiredis) on its own thread, never on the
/// cooperative pool, and resumes with its result.
package func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs `count` copies of `body` at the same time (one thread each) and collects them.
package func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async -> [Result<T, any Error>] {
    await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
        for index in 0..<count {
            group.addTask {
                do { return (index, .success(try await onThread { try body(index) })) } catch { return (index, .failure(error)) }
            }
        }
        var results = [Result<T, any Error>?](repeating: nil, count: count)
        for await (index, result) in group { results[index] = result }
        return results.compactMap { $0 }
    }
}
