import Foundation
import Testing
@testable import GalleyCore
import GalleyTestSupport

/// Where the gateway mounts the console (ADMIN_*), and the failed-login limit through the
/// gateway's RateLimiter in real Redis.
@Suite(.serialized) struct ConsoleMountTests {
    static let basic = "Basic " + Data("admin:mount-test-password".utf8).base64EncodedString()

    func get(_ port: Int, _ path: String, authorization: String? = basic) async throws -> GatewayHTTPResponse {
        let headers = authorization.map { [("Authorization", $0)] } ?? []
        return try await onThread { try GatewayHTTPClient.request(port: port, method: "GET", path: path, headers: headers, body: nil) }
    }

    func withGateway(_ environment: [String: String], _ body: (GatewayProcess) async throws -> Void) async throws {
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 13, environment: environment))
        do {
            try await body(gateway)
        } catch {
            await gateway.tearDown()
            throw error
        }
        await gateway.tearDown()
    }

    @Test func withoutAPasswordThereIsNoConsole() async throws {
        try await withGateway([:]) { gateway async throws in
            let answer = try await get(gateway.port, "/admin/")
            #expect(answer.status == 404)
            #expect(answer.code == 404000)
        }
    }

    @Test func onThePortBesideTheAPIWithFailedLoginsLimited() async throws {
        try await withGateway([
            "ADMIN_PASSWORD": "mount-test-password", "RATE_LIMIT_ADMIN_LOGIN_FAILURES_PER_MINUTE": "3",
        ]) { gateway async throws in
            #expect(try await get(gateway.port, "/admin/").status == 200)
            #expect(try await get(gateway.port, "/api/v1/health").status == 200)
            #expect(try await get(gateway.port, "/admin/", authorization: nil).status == 401)
            let wrong = "Basic " + Data("admin:guess".utf8).base64EncodedString()
            for _ in 0..<3 { #expect(try await get(gateway.port, "/admin/", authorization: wrong).status == 401) }
            let refused = try await get(gateway.port, "/admin/")
            #expect(refused.status == 429, "the right password waits too once the limit is reached")
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 > 0)
            #expect(try await get(gateway.port, "/api/v1/health").status == 200, "the API is not affected")
        }
    }

    @Test func onAPortOfItsOwn() async throws {
        let adminPort = try GatewayProcess.freePort()
        try await withGateway([
            "ADMIN_PASSWORD": "mount-test-password", "ADMIN_PORT": String(adminPort),
        ]) { gateway async throws in
            #expect(try await get(gateway.port, "/admin/").status == 404, "not on the API port")
            #expect(try await get(adminPort, "/admin/").status == 200)
            #expect(try await get(adminPort, "/admin/", authorization: nil).status == 401)
            #expect(try await get(adminPort, "/api/v1/health").status == 404, "only the console there")
        }
    }

    @Test func sharingTheInternalListener() async throws {
        let internalPort = try GatewayProcess.freePort()
        try await withGateway([
            "ADMIN_PASSWORD": "mount-test-password", "ADMIN_PORT": String(internalPort), "INTERNAL_PORT": String(internalPort),
        ]) { gateway async throws in
            #expect(try await get(internalPort, "/admin/").status == 200)
            #expect(try await get(internalPort, "/metrics").status == 200)
            #expect(try await get(gateway.port, "/admin/").status == 404)
        }
    }
}
