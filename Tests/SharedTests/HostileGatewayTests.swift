import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway

/// Issue 12 through a real gateway process: hostile bodies and headers get the
/// contract's envelope, never a 5xx, and cost little.
@Suite(.gateway(redisDatabase: 7, environment: ["BACKEND_CORS_ORIGINS": "*"]))
struct HostileGatewayTests {
    @Test func gatewayRefusesDeepWith422AndWideWith413() async throws {
        let gateway = try GatewayProcess.shared
        let json = [("Content-Type", "application/json")]
        let deep = try await gateway.request("POST", "/api/v1/auth/login", headers: json,
                                             body: Array((String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)).utf8))
        #expect(deep.status == 422 && deep.code == 422000)
        let issue = try #require(deep.data?["errors"]?.arrayValue?.first)
        #expect(issue["type"] == "json_invalid" && issue["ctx"]?["error"] == "recursion limit exceeded")
        #expect(issue["loc"]?.arrayValue?.first == "body")

        let wide = try await gateway.request("POST", "/api/v1/auth/login", headers: json,
                                             body: Array(("[" + String(repeating: "0,", count: JSONParser.maxMembers) + "0]").utf8))
        #expect(wide.status == 413 && wide.code == 413000)

        // The 1 MiB 90 000-key body is answered quickly (the original accepted it too: a 422 for the missing field).
        let start = ContinuousClock.now
        let many = try await gateway.request("POST", "/api/v1/auth/login", headers: json, body: HostileJSONTests.manyKeys(90_000, size: 1_000_000))
        #expect(many.status == 422)
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}

extension HostileGatewayTests {
    @Test func corsStarNeverReflectsAnOriginWithCredentials() async throws {
        let gateway = try GatewayProcess.shared
        let simple = try await gateway.request("GET", "/api/v1/config", headers: [("Origin", "https://evil.example")])
        #expect(simple.header("Access-Control-Allow-Origin") == "*")
        #expect(simple.header("Access-Control-Allow-Credentials") == nil)
        let preflight = try await gateway.request("OPTIONS", "/api/v1/user/profile", headers: [
            ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ])
        #expect(preflight.status == 200)
        #expect(preflight.header("Access-Control-Allow-Origin") == "*")
        #expect(preflight.header("Access-Control-Allow-Credentials") == nil)
        #expect(preflight.header("Access-Control-Allow-Headers") == "authorization")
    }

    @Test func tokensSignedWithTheOldBuiltInKeyAreRefused() async throws {
        let gateway = try GatewayProcess.shared
        let login = try await gateway.post("/api/v1/auth/login", json: ["device_id": "hostile-forger"])
        let userID = try #require(login.data?["user"]?["id"]?.int64Value)
        for key in ["galley-local-development-secret-do-not-deploy", "changethis", "change-me-secret-key-at-least-32-bytes-long"] {
            let forged = JWTSigner(secret: key).sign(subject: String(userID), expiresAt: Date().addingTimeInterval(600))
            let answer = try await gateway.request("GET", "/api/v1/user/profile", headers: [("Authorization", "Bearer \(forged)")])
            #expect(answer.status == 401 && answer.code == 401000, "\(key)")
        }
    }

    @Test func formsOfTooManyPartsAreRefusedNotStored() async throws {
        let gateway = try GatewayProcess.shared
        let login = try await gateway.post("/api/v1/auth/login", json: ["device_id": "hostile-multipart"])
        let token = try #require(login.data?["access_token"]?.stringValue)
        let boundary = "hostileboundary"
        var body = ""
        for index in 0...1000 { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"f\(index)\"\r\n\r\nx\r\n" }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--\(boundary)--\r\n"
        let answer = try await gateway.request("POST", "/api/v1/emoji/detect", headers: [
            ("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
        ], body: Array(body.utf8))
        #expect(answer.status == 422 && answer.code == 422000)
        // A part header longer than the form buffer fails the form too, with a 4xx.
        let longName = String(repeating: "n", count: 40 * 1024)
        let long = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(longName).png\"\r\n\r\nPNG\r\n--\(boundary)--\r\n"
        let longAnswer = try await gateway.request("POST", "/api/v1/emoji/detect", headers: [
            ("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
        ], body: Array(long.utf8))
        #expect((400..<500).contains(longAnswer.status))
    }
}
