import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// Rate limits kept in Redis (429000 with Retry-After), the open webhook of a local
/// stack without a secret, and a provider that is not configured (500101).
@Suite(.gateway(redisDatabase: 13, environment: [
    "RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE": "3", "RATE_LIMIT_CREATE_PER_MINUTE": "2",
    "ALIYUN_EMOJI_MOCK": "false", "DASHSCOPE_BASE_URL": "http://127.0.0.1:9",
]))
struct GatewayLimitsTests {
    static let body: JSONValue = ["image_url": "https://img.example/a.jpg", "driven_id": "d",
                                  "face_bbox": [1, 2, 3, 4], "ext_bbox": [1, 2, 3, 4]]

    @Test func loginIsLimitedPerClientAddress() async throws {
        let gateway = try GatewayProcess.shared
        // Other tests of this suite log in too: wait for a fresh window if this one is nearly over.
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 50 { try await Task.sleep(for: .seconds(61 - second)) }
        var statuses: [Int] = []
        var last: GatewayHTTPResponse?
        for index in 0..<6 {
            let response = try await gateway.post("/api/v1/auth/login", json: ["device_id": .string("limit-\(index)")])
            statuses.append(response.status)
            last = response
        }
        #expect(statuses.filter { $0 == 200 }.count <= 3)
        #expect(statuses.last == 429)
        let refused = try #require(last)
        #expect(refused.code == 429000 && refused.message == "Too many requests")
        let retry = try #require(refused.header("Retry-After").flatMap(Int.init))
        #expect(retry >= 1 && retry <= 60)
    }

    @Test func createIsLimitedPerUser() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await loginRetrying(gateway)
        try await gateway.fund(userID, 10_000)
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 55 { try await Task.sleep(for: .seconds(61 - second)) }
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).status)
        }
        #expect(statuses == [200, 200, 429, 429])
        let balance = try await gateway.get("/api/v1/points/balance", token: token)
        #expect(balance.data == ["balance": 9600])
    }

    @Test func providerNotConfiguredIs500101() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await loginRetrying(gateway)
        try await gateway.fund(userID, 1000)
        let response = try await gateway.post("/api/v1/emoji/create", token: token,
                                              json: ["image_url": "https://img.example/a.jpg", "driven_id": "d"])
        #expect(response.status == 500 && response.code == 500101)
        #expect(response.message == "DASHSCOPE_API_KEY not configured")
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 1000])
    }

    @Test func webhookIsOpenOnALocalStackWithoutASecret() async throws {
        let gateway = try GatewayProcess.shared
        let response = try await gateway.post("/api/v1/subscription/webhook",
                                              json: ["event": ["id": .string(TestEnvironment.uniqueName("evt")), "type": "TEST"]])
        #expect(response.status == 200 && response.data == ["received": true])
    }

    /// Logs in, waiting out the login limit the other test of this suite uses up.
    func loginRetrying(_ gateway: GatewayProcess) async throws -> (token: String, userID: Int64) {
        for _ in 0..<70 {
            if let result = try? await gateway.login() { return result }
            try await Task.sleep(for: .seconds(1))
        }
        return try await gateway.login()
    }
}
