import Foundation
import Glibc
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyTestSupport

/// Issue 12 through a real gateway process: hostile bodies and headers get the
/// contract's envelope, never a 5xx, and cost little.
@Suite(.gateway(redisDatabase: 7, environment: [
    "BACKEND_CORS_ORIGINS": "*", "HTTP_HEAD_DEADLINE_SECONDS": "3", "HTTP_BODY_DEADLINE_SECONDS": "3",
    "RATE_LIMIT_DETECT_PER_MINUTE": "2", "RATE_LIMIT_UPLOAD_PER_MINUTE": "3",
]))
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
        let many = try await gateway.request("POST", "/api/v1/auth/login", headers: json, body: HostileBodies.manyKeys(90_000, size: 1_000_000))
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

extension HostileGatewayTests {
    static let multipartHead = "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n"

    @Test func largeBodiesWithoutIdentityAreRefusedBeforeAByteIsRead() async throws {
        let gateway = try GatewayProcess.shared
        let started = ContinuousClock.now
        // Only the head is sent: the answer must come without the 10 MB.
        let noToken = try await gateway.raw(Array("POST /api/v1/emoji/detect HTTP/1.1\r\nHost: x\r\n\(Self.multipartHead)\r\n".utf8),
                                            timeoutSeconds: 5)
        // The same answer the route gives a small body without a token.
        let usual = try await gateway.request("PUT", "/api/v1/user/profile", headers: [("Content-Type", "application/json")],
                                              body: Array(#"{"nickname":"x"}"#.utf8))
        #expect(usual.status == 401 || usual.status == 403)
        #expect(noToken.status == usual.status && noToken.code == usual.code && noToken.message == usual.message)
        let forged = JWTSigner(secret: "galley-local-development-secret-do-not-deploy").sign(subject: "1", expiresAt: Date().addingTimeInterval(600))
        let badToken = try await gateway.raw(Array(("POST /api/v1/emoji/detect HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(forged)\r\n"
                                                   + Self.multipartHead + "\r\n").utf8), timeoutSeconds: 5)
        #expect(badToken.status == 401 && badToken.code == 401000)
        let chunked = try await gateway.raw(Array("PUT /api/v1/user/profile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n".utf8),
                                            timeoutSeconds: 5)
        #expect(chunked.status == usual.status && chunked.code == usual.code)
        let storage = try await gateway.raw(Array("PUT /api/v1/storage/uploads/1/a.png?expires=9999999999&signature=00 HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 9000000\r\n\r\n".utf8),
                                            timeoutSeconds: 5)
        #expect(storage.status == 403)
        #expect(ContinuousClock.now - started < .seconds(5))

        // With a valid token the same large body is read and served.
        let login = try await gateway.post("/api/v1/auth/login", json: ["device_id": "hostile-admitted"])
        let token = try #require(login.data?["access_token"]?.stringValue)
        let photo: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + (0..<200_000).map { UInt8($0 % 251) }
        let body = Array("--hostile-boundary-42\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
            + photo + Array("\r\n--hostile-boundary-42--\r\n".utf8)
        let admitted = try await gateway.request("POST", "/api/v1/emoji/detect", headers: [
            ("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=hostile-boundary-42"),
        ], body: body)
        #expect(admitted.status == 200, "\(admitted.text)")
    }

    /// Sends `head`, then one byte of `trickle` per second; the seconds until the server
    /// closes the connection (nil: still open after `limit` seconds).
    static func secondsUntilClosed(port: Int, head: String, trickle: String, limit: Int) -> Double? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = ContinuousClock.now
        _ = Array(head.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var bytes = Array(trickle.utf8)[...]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now - start < .seconds(limit) {
            if let byte = bytes.popFirst() {
                var one = byte
                if send(fd, &one, 1, Int32(MSG_NOSIGNAL)) < 0 { break }
            }
            let got = recv(fd, &buffer, buffer.count, 0)
            if got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { break }
        }
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        let elapsed = Double(seconds) + Double(attoseconds) * 1e-18
        return elapsed < Double(limit) ? elapsed : nil
    }

    @Test func aByteAtATimeCannotHoldAConnection() async throws {
        let gateway = try GatewayProcess.shared
        let port = gateway.port
        // Body: 1 000 bytes declared, one sent per second; the 3 s body deadline cuts it.
        let body = await Task.detached {
            Self.secondsUntilClosed(port: port, head: "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
                                    trickle: String(repeating: " ", count: 1000), limit: 15)
        }.value
        #expect(body != nil && body! < 8, "\(String(describing: body))")
        // Head: headers one byte per second; refused once complete past the 3 s head deadline.
        let head = await Task.detached {
            Self.secondsUntilClosed(port: port, head: "GET /api/v1/health HTTP/1.1\r\n",
                                    trickle: "X-Slow: abcdef\r\n\r\n", limit: 30)
        }.value
        #expect(head != nil && head! < 25, "\(String(describing: head))")
        #expect(try await gateway.get("/api/v1/health").status == 200)
    }
}

extension HostileGatewayTests {
    @Test func expensiveRoutesAreMeteredPerUser() async throws {
        let gateway = try GatewayProcess.shared
        // A fresh minute window, so the count below is this test's alone.
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 50 { try await Task.sleep(for: .seconds(61 - second)) }
        let first = try await gateway.post("/api/v1/auth/login", json: ["device_id": "hostile-metered-1"])
        let second2 = try await gateway.post("/api/v1/auth/login", json: ["device_id": "hostile-metered-2"])
        let token = try #require(first.data?["access_token"]?.stringValue)
        let other = try #require(second2.data?["access_token"]?.stringValue)
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(try await gateway.request("POST", "/api/v1/emoji/upload?ext=png", headers: [("Authorization", "Bearer \(token)")]).status)
        }
        #expect(statuses == [200, 200, 200, 429], "\(statuses)")
        let limited = try await gateway.request("POST", "/api/v1/emoji/upload?ext=png", headers: [("Authorization", "Bearer \(token)")])
        #expect(limited.code == 429000 && limited.header("Retry-After") != nil)
        // Another account is not starved by the first one's use.
        #expect(try await gateway.request("POST", "/api/v1/emoji/upload?ext=png", headers: [("Authorization", "Bearer \(other)")]).status == 200)

        let boundary = "metered-boundary-7"
        let body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG-bytes\r\n--\(boundary)--\r\n".utf8)
        var detects: [Int] = []
        for _ in 0..<3 {
            detects.append(try await gateway.request("POST", "/api/v1/emoji/detect", headers: [
                ("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\(boundary)"),
            ], body: body).status)
        }
        #expect(detects.prefix(2).allSatisfy { $0 != 429 } && detects.last == 429, "\(detects)")
        // A create without boxes runs the detector too: metered by the same limit.
        let create = try await gateway.post("/api/v1/emoji/create", token: token,
                                            json: ["image_url": "https://img.example/a.jpg", "driven_id": "mengwa_kaixin"])
        #expect(create.status == 429 && create.code == 429000)
    }
}
