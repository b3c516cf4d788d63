import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyHTTP
import GalleyPostgres
import GalleyTestSupport

/// Short reads answered on libmicrohttpd's thread with its lane session (issue 16): the
/// same bytes as on a handler thread, a first login (a write) handed to a handler thread,
/// and the lanes' limits (busy, out of range, a broken session replaced).
@Suite struct LaneReadTests {
    /// A request with a fixed X-Request-Id, so both paths answer the same header.
    static func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil) -> HTTPRequest {
        var headers: [(String, String)] = [("X-Request-Id", "lane-test")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return HTTPRequest(method: method, path: path, headers: HTTPHeaders(headers), body: Array((body ?? "").utf8),
                           remoteAddress: "127.0.0.1")
    }

    @Test func laneAnswersAreTheHandlersAnswersByteForByte() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let (token, userID) = try await gateway.login()
        try await gateway.waitForLane()
        _ = try await gateway.postgres.withConnection {
            try $0.execute("UPDATE user_points SET balance = 1234 WHERE user_id = $1", [userID])
        }
        let reads = [
            Self.request("GET", "/api/v1/points/balance", token: token),
            Self.request("GET", "/api/v1/user/profile", token: token),
            Self.request("GET", "/api/v1/subscription/status", token: token),
            Self.request("GET", "/api/v1/user/profile"),
            Self.request("GET", "/api/v1/points/balance", token: "a.b.c"),
            Self.request("GET", "/api/v1/points/balance", token: token + "x"),
            Self.request("POST", "/api/v1/auth/login", body: "{}"),
            Self.request("POST", "/api/v1/auth/login", body: "{not json"),
        ]
        for read in reads {
            let onLane = try #require(try await gateway.respondOnLane(to: read), "\(read.method) \(read.path) went to a handler")
            let onHandler = try await gateway.respond(to: read)
            #expect(onLane.status == onHandler.status, "\(read.path)")
            #expect(onLane.headers.map { "\($0.0): \($0.1)" } == onHandler.headers.map { "\($0.0): \($0.1)" }, "\(read.path)")
            #expect(onLane.body == onHandler.body, "\(read.path): \(onLane.text) vs \(onHandler.text)")
        }
        let balance = try #require(try await gateway.respondOnLane(to: reads[0]))
        #expect(balance.data?["balance"]?.int64Value == 1234)

        // A user gone since the token was signed: the same 401 on both paths.
        _ = try await gateway.postgres.withConnection { connection in
            try connection.execute("DELETE FROM user_points WHERE user_id = $1", [userID])
            try connection.execute("DELETE FROM point_transactions WHERE user_id = $1", [userID])
            try connection.execute("DELETE FROM users WHERE id = $1", [userID])
        }
        let gone = try #require(try await gateway.respondOnLane(to: reads[1]))
        let goneOnHandler = try await gateway.respond(to: reads[1])
        #expect(gone.status == 401 && gone.body == goneOnHandler.body)
    }

    @Test func aKnownDeviceLogsInOnTheLaneAndANewOneOnAHandler() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6, environment: ["RATE_LIMIT_LOGIN_PER_MINUTE": "60"])
        defer { gateway.shutdown() }
        try await gateway.waitForLane()
        let device = TestEnvironment.uniqueName("lane-device")
        let first = Self.request("POST", "/api/v1/auth/login", body: #"{"device_id":"\#(device)"}"#)
        let window = Int64(Date().timeIntervalSince1970) / 60
        // This minute's counter, or the next one's if the minute turned meanwhile.
        let counted = { @Sendable () async throws -> String? in
            try await gateway.redis.withConnection { connection in
                try [window, window + 1].lazy.compactMap { minute in
                    try connection.command(["GET", .string("galley:ratelimit:login:\(device):\(minute)")]).stringValue
                }.first
            }
        }
        // Unknown device: the lane hands it over, writes nothing and counts nothing, so
        // the handler thread that answers it counts the login once.
        #expect(try await gateway.respondOnLane(to: first) == nil)
        #expect(try await counted() == nil)
        let users = try await gateway.postgres.withConnection {
            try $0.query("SELECT count(*) AS n FROM users WHERE device_id = $1", [device]).first?.decode(Int.self, "n")
        }
        #expect(users == 0)
        let created = try await gateway.respond(to: first)
        #expect(created.status == 200)
        #expect(try await counted() == "1")
        // Known now: answered on the lane, the same user and profile as the handler's answer.
        let again = try #require(try await gateway.respondOnLane(to: first))
        #expect(again.status == 200)
        #expect(again.data?["user"] == created.data?["user"])
        #expect(again.data?["expires_in"] == created.data?["expires_in"])
        let token = try #require(again.data?["access_token"]?.stringValue)
        let profile = try #require(try await gateway.respondOnLane(to: Self.request("GET", "/api/v1/user/profile", token: token)))
        #expect(profile.data?["device_id"]?.stringValue == device)
        // Refresh reads the same way.
        let refreshed = try #require(try await gateway.respondOnLane(to: Self.request("POST", "/api/v1/auth/refresh", token: token)))
        #expect(refreshed.status == 200 && refreshed.data?["user"] == created.data?["user"])
    }

    @Test func onlyShortReadsGoOnALaneAndALaneOutOfRangeHandsOver() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let (token, _) = try await gateway.login()
        try await gateway.waitForLane()
        #expect(try await gateway.respondOnLane(to: Self.request("GET", "/api/v1/points/transactions", token: token)) == nil)
        #expect(try await gateway.respondOnLane(to: Self.request("PUT", "/api/v1/user/profile", token: token, body: "{}")) == nil)
        #expect(try await gateway.respondOnLane(to: Self.request("GET", "/api/v1/points/balance/", token: token)) == nil)
        // A body over the lane's limit (a login's is ~40 bytes) is parsed on a handler thread.
        let padded = #"{"device_id":"x"}"# + String(repeating: " ", count: GatewayResponder.laneBodyLimit)
        #expect(try await gateway.respondOnLane(to: Self.request("POST", "/api/v1/auth/login", body: padded)) == nil)
        let lanes = gateway.services.lanes.count
        #expect(lanes >= 1)
        #expect(try await gateway.respondOnLane(to: Self.request("GET", "/api/v1/points/balance", token: token), lane: lanes) == nil)
    }

    @Test func aReadBlockedPastTheLanesStatementTimeoutIsHandedToAHandler() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let (token, _) = try await gateway.login()
        let read = Self.request("GET", "/api/v1/user/profile", token: token)
        try await gateway.waitForLane()
        #expect(try await gateway.respondOnLane(to: read)?.status == 200)
        // A migration's ACCESS EXCLUSIVE lock on users holds every read of it.
        let locker = try PostgresConnection(configuration: gateway.database.configuration)
        defer { locker.close() }
        try locker.simpleQuery("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        let started = ContinuousClock.now
        let handedOver = try await gateway.respondOnLane(to: read)
        let waited = ContinuousClock.now - started
        try locker.simpleQuery("ROLLBACK")
        #expect(handedOver == nil)
        #expect(waited >= gateway.services.lanes.statementTimeout && waited < .seconds(5))
        // The lane still works afterwards (its session survived the cancelled statement),
        // once the gate, closed by that slow read (LaneGate's own test), opens again.
        try await Task.sleep(for: LaneGate.pause + .milliseconds(100))
        #expect(try await gateway.respondOnLane(to: read)?.status == 200)
    }

    @Test func aSlowLaneReadSendsLaneRoutesToHandlersForAPause() {
        let gate = LaneGate(registry: MetricsRegistry())
        #expect(gate.isOpen())
        gate.record(.milliseconds(5))
        #expect(gate.isOpen())
        gate.record(LaneGate.slowRead + .milliseconds(1))
        #expect(!gate.isOpen())
    }

    @Test func aLaneIsOneSessionUsedByOneCallerAtATime() async throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let lanes = PostgresLanes(configuration: database.configuration, count: 2, logger: Logger(label: "test"))
        defer { lanes.close() }
        // The first use starts the session on a thread of its own and hands over.
        #expect(lanes.withConnection(lane: 0) { _ in 1 } == nil)
        try await PostgresLanes.waitUntilOpen(lanes, lane: 0)
        try await PostgresLanes.waitUntilOpen(lanes, lane: 1)
        let first = lanes.withConnection(lane: 0) { connection -> Int32 in
            // The same lane while it is in use: nil (the caller goes to a handler thread).
            let nested = lanes.withConnection(lane: 0) { _ in 1 }
            #expect(nested == nil)
            return connection.backendProcessID
        }
        let pid = try #require(first)
        #expect(lanes.withConnection(lane: 0) { $0.backendProcessID } == pid)
        #expect(lanes.withConnection(lane: 1) { $0.backendProcessID } != pid)
        #expect(lanes.withConnection(lane: 2) { _ in 1 } == nil)
        #expect(lanes.withConnection(lane: -1) { _ in 1 } == nil)

        // Terminated by the server while idle: replaced on the next use, which works.
        let admin = try PostgresConnection(configuration: database.configuration)
        defer { admin.close() }
        try admin.query("SELECT pg_terminate_backend($1)", [pid])
        try await Task.sleep(for: .milliseconds(200))
        // Found broken before use (nil), or the read fails as a lost session; dropped either way.
        do {
            let answered = try lanes.withConnection(lane: 0) { try $0.query("SELECT 1") }
            #expect(answered == nil)
        } catch let error as PostgresError {
            #expect(error.isConnectionError)
        }
        try await PostgresLanes.waitUntilOpen(lanes, lane: 0)
        let replaced = try lanes.withConnection(lane: 0) { try $0.query("SELECT pg_backend_pid() AS p").first?.decode(Int32.self, "p") } ?? nil
        #expect(replaced != nil && replaced != pid)
    }
}
