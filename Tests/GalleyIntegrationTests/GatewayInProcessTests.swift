import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyTestSupport

/// The gateway's routes called in process: the responder the APIGateway serves, on the
/// test PostgreSQL and Redis, with no process and no socket (so a routing change is
/// checked in milliseconds; the end-to-end suites check the same over real HTTP).
@Suite struct GatewayInProcessTests {
    @Test func loginCreatesTheUserOnceAndTheTokenOpensTheProfile() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let device = TestEnvironment.uniqueName("device")
        let first = try await gateway.request("POST", "/api/v1/auth/login", json: ["device_id": .string(device)])
        #expect(first.status == 200 && first.code == 0)
        #expect(first.header("X-Request-Id")?.isEmpty == false)
        let data = try #require(first.data)
        #expect(data["user"]?["device_id"]?.stringValue == device)
        #expect(data["user"]?["points_balance"]?.int64Value == 0)
        let token = try #require(data["access_token"]?.stringValue)
        let userID = try #require(data["user"]?["id"]?.int64Value)

        let again = try await gateway.request("POST", "/api/v1/auth/login", json: ["device_id": .string(device)])
        #expect(again.data?["user"]?["id"]?.int64Value == userID)
        let accounts = try await gateway.postgres.withConnection { try $0.query("SELECT count(*) AS n FROM user_points WHERE user_id = $1", [userID]).rows }
        #expect(try accounts.first?.decode(Int.self, "n") == 1)

        let profile = try await gateway.request("GET", "/api/v1/user/profile", token: token)
        #expect(profile.status == 200)
        #expect(profile.data?["id"]?.int64Value == userID)
        #expect(profile.data?["device_id"]?.stringValue == device)
    }

    @Test func aBadLoginBodyIs422InTheEnvelope() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let missing = try await gateway.request("POST", "/api/v1/auth/login", json: [:])
        #expect(missing.status == 422 && missing.code == 422000)
        let tooLong = try await gateway.request("POST", "/api/v1/auth/login", json: ["device_id": .string(String(repeating: "x", count: 129))])
        #expect(tooLong.status == 422 && tooLong.code == 422000)
        let notJSON = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                                body: Array("{not json".utf8))
        #expect(notJSON.status == 422)
    }

    @Test func noTokenIs403000AndABadOneIs401000() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let anonymous = try await gateway.request("GET", "/api/v1/user/profile")
        #expect(anonymous.status == 403 && anonymous.code == 403000 && anonymous.message == "Not authenticated")
        let forged = try await gateway.request("GET", "/api/v1/user/profile", token: "a.b.c")
        #expect(forged.status == 401 && forged.code == 401000)
    }

    @Test func unknownRoutesAndWrongMethodsGetTheEnvelope() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let missing = try await gateway.request("GET", "/api/v1/no-such-route")
        #expect(missing.status == 404 && missing.code == 404000 && missing.message == "Not Found")
        let wrongMethod = try await gateway.request("DELETE", "/api/v1/auth/login")
        #expect(wrongMethod.status == 405 && wrongMethod.code == 405000)
        #expect(wrongMethod.header("Allow") == "POST")
    }
}
