import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyWebhooks
@testable import GalleyGateway
import GalleyTestSupport

/// End to end over HTTP against a real gateway: auth, users, points, orders, config,
/// health, the envelope for every kind of bad request, request ids, CORS and docs.
@Suite(.gateway(redisDatabase: 10, environment: ["BACKEND_CORS_ORIGINS": "http://app.example,https://admin.example/"]))
struct GatewayCoreTests {
    static let secret = GatewayProcess.secretKey

    // MARK: - Health

    @Test func healthReadyAndTheOriginalsHealthCheck() async throws {
        let gateway = try GatewayProcess.shared
        for path in ["/api/v1/health", "/health"] {
            let health = try await gateway.get(path)
            #expect(health.status == 200)
            #expect(health.code == 0 && health.message == "success")
            #expect(health.data?["status"]?.stringValue == "ok")
        }
        let ready = try await gateway.get("/api/v1/ready")
        #expect(ready.status == 200)
        #expect(ready.code == 0)
        let check = try await gateway.get("/api/v1/utils/health-check/")
        #expect(check.status == 200)
        #expect(check.text == "true")
        let head = try await gateway.request("HEAD", "/api/v1/health")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test func metricsUseRouteTemplates() async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        _ = try await gateway.get("/api/v1/order/o_missing_1", token: token)
        let metrics = try await gateway.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = metrics.text
        #expect(text.contains(#"galley_http_requests_total{route="/api/v1/auth/login",method="POST",status="200"}"#))
        #expect(text.contains(#"galley_http_requests_total{route="/api/v1/order/{order_no}",method="GET",status="404"}"#))
        #expect(text.contains(#"galley_http_request_duration_seconds_bucket{route="/api/v1/auth/login",method="POST",le="+Inf"}"#))
        #expect(text.contains(#"galley_db_pool_connections{state="in_use"}"#))
        #expect(text.contains(#"galley_redis_pool_connections{state="idle"}"#))
        #expect(text.contains("galley_outbox_pending"))
        #expect(text.contains(#"galley_stream_length{stream="emoji_tasks"}"#))
        #expect(text.contains("galley_http_requests_in_flight"))
        #expect(!text.contains("o_missing_1"))
    }

    // MARK: - Auth

    @Test func loginCreatesOnceAndAnswersTheProfile() async throws {
        let gateway = try GatewayProcess.shared
        let device = TestEnvironment.uniqueName("device")
        let first = try await gateway.post("/api/v1/auth/login", json: ["device_id": .string(device)])
        #expect(first.status == 200)
        let data = try #require(first.data)
        #expect(data["expires_in"]?.int64Value == Int64(7 * 86400))
        #expect(data["access_token"]?.stringValue?.split(separator: ".").count == 3)
        let user = try #require(data["user"])
        #expect(user["device_id"]?.stringValue == device)
        #expect(user["points_balance"]?.int64Value == 0)
        #expect(user["nickname"]?.isNull == true && user["is_vip"]?.boolValue == false)
        #expect(user["vip_type"]?.isNull == true && user["vip_expire_time"]?.isNull == true)
        let userID = try #require(user["id"]?.int64Value)

        let again = try await gateway.post("/api/v1/auth/login", json: ["device_id": .string(device)])
        #expect(again.data?["user"]?["id"]?.int64Value == userID)
        let accounts = try await gateway.sql("SELECT count(*) AS n FROM user_points WHERE user_id = $1", [userID])
        #expect(try accounts.first?.decode(Int.self, "n") == 1)
    }

    @Test func concurrentFirstLoginsMakeOneUser() async throws {
        let gateway = try GatewayProcess.shared
        let device = TestEnvironment.uniqueName("device")
        let port = gateway.port
        let results = await concurrently(20) { _ in
            try GatewayHTTPClient.request(port: port, method: "POST", path: "/api/v1/auth/login",
                                          headers: [("Content-Type", "application/json")],
                                          body: JSONWriter.bytes(["device_id": .string(device)]))
        }
        let ids = Set(results.compactMap { try? $0.get().data?["user"]?["id"]?.int64Value })
        #expect(results.allSatisfy { (try? $0.get().status) == 200 })
        #expect(ids.count == 1)
    }

    @Test func loginValidationIsFastAPIShaped() async throws {
        let gateway = try GatewayProcess.shared
        let missing = try await gateway.post("/api/v1/auth/login", json: [:])
        #expect(missing.status == 422)
        #expect(missing.code == 422000)
        let error = try #require(missing.data?["errors"]?.arrayValue?.first)
        #expect(error["type"]?.stringValue == "missing")
        #expect(error["loc"] == ["body", "device_id"])
        #expect(error["msg"]?.stringValue == "Field required")

        let long = try await gateway.post("/api/v1/auth/login", json: ["device_id": .string(String(repeating: "x", count: 129))])
        let longError = try #require(long.data?["errors"]?.arrayValue?.first)
        #expect(longError["type"]?.stringValue == "string_too_long")
        #expect(longError["msg"]?.stringValue == "String should have at most 128 characters")

        let empty = try await gateway.post("/api/v1/auth/login", json: ["device_id": ""])
        #expect(empty.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "string_too_short")

        let wrongType = try await gateway.post("/api/v1/auth/login", json: ["device_id": 42])
        let typeError = try #require(wrongType.data?["errors"]?.arrayValue?.first)
        #expect(typeError["type"]?.stringValue == "string_type")
        #expect(typeError["msg"]?.stringValue == "Input should be a valid string")

        let broken = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                               body: Array(#"{"device_id": "#.utf8))
        #expect(broken.status == 422)
        let brokenError = try #require(broken.data?["errors"]?.arrayValue?.first)
        #expect(brokenError["type"]?.stringValue == "json_invalid")
        #expect(brokenError["loc"]?.arrayValue?.first == "body")
        #expect(brokenError["loc"]?.arrayValue?.last?.int64Value == 14)

        let nul = try await gateway.post("/api/v1/auth/login", json: ["device_id": "a\u{0}b"])
        #expect(nul.status == 422)
    }

    @Test func wrongContentTypesEmptyBodiesAndNonObjectsAre422() async throws {
        let gateway = try GatewayProcess.shared
        let form = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "text/plain")],
                                             body: Array(#"{"device_id":"a"}"#.utf8))
        #expect(form.status == 422 && form.code == 422000)
        #expect(form.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "model_attributes_type")
        let empty = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")], body: [])
        #expect(empty.status == 422)
        #expect(empty.data?["errors"]?.arrayValue?.first?["loc"] == ["body"])
        let array = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                              body: Array("[1,2]".utf8))
        #expect(array.status == 422)
        // Not UTF-8: FastAPI's 400 "There was an error parsing the body", in the envelope.
        let binary = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                               body: [0x7B, 0x22, 0xFF, 0x22, 0x7D])
        #expect(binary.status == 400 && binary.code == 400000 && binary.message == "There was an error parsing the body")
        let deep = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                             body: Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8))
        #expect(deep.status == 422)
    }

    @Test func refreshNeedsAValidToken() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        let refreshed = try await gateway.request("POST", "/api/v1/auth/refresh", token: token)
        #expect(refreshed.status == 200)
        #expect(refreshed.data?["user"]?["id"]?.int64Value == userID)
        let newToken = try #require(refreshed.data?["access_token"]?.stringValue)
        #expect(try await gateway.get("/api/v1/user/profile", token: newToken).status == 200)
        let anonymous = try await gateway.request("POST", "/api/v1/auth/refresh")
        #expect(anonymous.status == 403 && anonymous.code == 403000 && anonymous.message == "Not authenticated")
    }

    /// FastAPI 0.115's `HTTPBearer` then the original's token check: 403000 without
    /// usable credentials, 401000 for a bad token, 401000 "User not found" for a gone user.
    @Test func everyKindOfBadTokenGetsTheOriginalsAnswer() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        let signer = JWTSigner(secret: Self.secret)
        let parts = token.split(separator: ".").map(String.init)
        let otherClaims = Base64URL.encode(#"{"exp":9999999999,"sub":"1"}"#)
        let noneHeader = Base64URL.encode(#"{"alg":"none","typ":"JWT"}"#)
        let hs512Header = Base64URL.encode(#"{"alg":"HS512","typ":"JWT"}"#)
        let notAuthenticated = (403, 403000, "Not authenticated")
        let otherScheme = (403, 403000, "Invalid authentication credentials")
        let invalid = (401, 401000, "Could not validate credentials")
        let gone = (401, 401000, "User not found")
        let badTokens: [(String, [(String, String)], (Int, Int, String))] = [
            ("missing header", [], notAuthenticated),
            ("empty header", [("Authorization", "")], notAuthenticated),
            ("basic scheme", [("Authorization", "Basic \(token)")], otherScheme),
            ("no token", [("Authorization", "Bearer ")], notAuthenticated),
            ("two spaces", [("Authorization", "Bearer  \(token)")], invalid),
            ("garbage", [("Authorization", "Bearer not.a.jwt")], invalid),
            ("two parts", [("Authorization", "Bearer \(parts[0]).\(parts[1])")], invalid),
            ("payload swapped", [("Authorization", "Bearer \(parts[0]).\(otherClaims).\(parts[2])")], invalid),
            ("signature flipped", [("Authorization", "Bearer \(parts[0]).\(parts[1]).\(String(parts[2].reversed()))")], invalid),
            ("alg none", [("Authorization", "Bearer \(noneHeader).\(parts[1]).")], invalid),
            ("alg HS512", [("Authorization", "Bearer \(hs512Header).\(parts[1]).\(parts[2])")], invalid),
            ("wrong secret", [("Authorization", "Bearer \(JWTSigner(secret: "other").sign(subject: String(userID), expiresAt: Date().addingTimeInterval(600)))")], invalid),
            ("expired", [("Authorization", "Bearer \(signer.sign(subject: String(userID), expiresAt: Date().addingTimeInterval(-10)))")], invalid),
            ("unknown user", [("Authorization", "Bearer \(signer.sign(subject: "123456789", expiresAt: Date().addingTimeInterval(600)))")], gone),
            ("non-numeric subject", [("Authorization", "Bearer \(signer.sign(subject: "abc", expiresAt: Date().addingTimeInterval(600)))")], invalid),
        ]
        for (name, headers, answer) in badTokens {
            for path in ["/api/v1/user/profile", "/api/v1/points/balance"] {
                let response = try await gateway.get(path, headers: headers)
                #expect(response.status == answer.0, "\(name) \(path)")
                #expect(response.code == answer.1, "\(name) \(path)")
                #expect(response.message == answer.2, "\(name)")
                #expect(response.data?.isNull == true)
                #expect(response.header("WWW-Authenticate") == nil)
            }
        }
        // A scheme in another case is still Bearer, as FastAPI accepted it.
        #expect(try await gateway.get("/api/v1/user/profile", headers: [("Authorization", "bearer \(token)")]).status == 200)
    }

    // MARK: - Profile, points, config, subscription

    @Test func profileNicknameIsTrimmedAndBounded() async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        let set = try await gateway.request("PUT", "/api/v1/user/profile", token: token, json: ["nickname": "  Chef  "])
        #expect(set.status == 200)
        #expect(set.data?["nickname"]?.stringValue == "Chef")
        #expect(try await gateway.get("/api/v1/user/profile", token: token).data?["nickname"]?.stringValue == "Chef")
        // `{}` clears it, as the original's optional field did.
        let emptied = try await gateway.request("PUT", "/api/v1/user/profile", token: token, json: [:])
        #expect(emptied.status == 200 && emptied.data?["nickname"]?.isNull == true)
        let cleared = try await gateway.request("PUT", "/api/v1/user/profile", token: token, json: ["nickname": "   "])
        #expect(cleared.data?["nickname"]?.isNull == true)
        let long = try await gateway.request("PUT", "/api/v1/user/profile", token: token,
                                             json: ["nickname": .string(String(repeating: "é", count: 65))])
        #expect(long.status == 422)
        #expect(long.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "string_too_long")
        let exact = try await gateway.request("PUT", "/api/v1/user/profile", token: token,
                                              json: ["nickname": .string(String(repeating: "é", count: 64))])
        #expect(exact.status == 200)
        let wrong = try await gateway.request("PUT", "/api/v1/user/profile", token: token, json: ["nickname": 5])
        #expect(wrong.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "string_type")
    }

    @Test func pointsBalanceAndEmptyTransactions() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await gateway.fund(userID, 1234)
        let balance = try await gateway.get("/api/v1/points/balance", token: token)
        #expect(balance.data == ["balance": 1234])
        let list = try await gateway.get("/api/v1/points/transactions", token: token)
        #expect(list.data == ["data": [], "count": 0])
    }

    @Test(arguments: [
        ("page=0", "greater_than_equal", "page"), ("page=abc", "int_parsing", "page"),
        ("page_size=0", "greater_than_equal", "page_size"), ("page_size=101", "less_than_equal", "page_size"),
    ])
    func listPaginationIsValidated(query: String, type: String, field: String) async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        for path in ["/api/v1/points/transactions", "/api/v1/order/list", "/api/v1/emoji/history"] {
            let response = try await gateway.get("\(path)?\(query)", token: token)
            #expect(response.status == 422, "\(path)")
            let error = try #require(response.data?["errors"]?.arrayValue?.first)
            #expect(error["type"]?.stringValue == type)
            #expect(error["loc"] == ["query", .string(field)])
        }
    }

    @Test func configHasTheSixSections() async throws {
        let gateway = try GatewayProcess.shared
        let config = try await gateway.get("/api/v1/config")
        #expect(config.status == 200)
        #expect(config.data?.objectValue?.keys == ["banners", "styles", "points_rules", "weekly_reward", "vip_products", "points_packs"])
        #expect(config.data?["points_rules"]?["emoji"]?.int64Value == 200)
    }

    @Test func subscriptionStatusFollowsTheUserRow() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        #expect(try await gateway.get("/api/v1/subscription/status", token: token).data
                == ["is_vip": false, "vip_type": nil, "vip_expire_time": nil])
        _ = try await gateway.sql(
            "UPDATE users SET is_vip = true, vip_type = 'weekly', vip_expire_time = '2099-01-02T03:04:05.678Z' WHERE id = $1", [userID])
        let status = try await gateway.get("/api/v1/subscription/status", token: token)
        #expect(status.data == ["is_vip": true, "vip_type": "weekly", "vip_expire_time": "2099-01-02T03:04:05.678000Z"])
        _ = try await gateway.sql("UPDATE users SET vip_expire_time = '2001-01-01T00:00:00Z' WHERE id = $1", [userID])
        #expect(try await gateway.get("/api/v1/user/profile", token: token).data?["is_vip"]?.boolValue == false)
    }

    // MARK: - Orders

    @Test func ordersAreCreatedListedAndPrivate() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        let created = try await gateway.post("/api/v1/order/create", token: token,
                                             json: ["product_type": "points_pack", "product_id": "points_1000"])
        #expect(created.status == 200)
        let order = try #require(created.data)
        let orderNo = try #require(order["order_no"]?.stringValue)
        #expect(orderNo.hasPrefix("o_\(userID)_"))
        #expect(orderNo.split(separator: "_").last?.count == 12)
        #expect(order["quantity"] == 1 && order["amount"] == "0.00" && order["currency"] == "USD" && order["status"] == "pending")
        #expect(order["created_at"]?.stringValue?.hasSuffix("Z") == true)

        let second = try await gateway.post("/api/v1/order/create", token: token, json: [
            "product_type": "subscription", "product_id": "weekly_001", "quantity": 2, "amount": 9.99, "currency": "EUR",
        ])
        #expect(second.data?["amount"] == "9.99" && second.data?["quantity"] == 2 && second.data?["currency"] == "EUR")
        let third = try await gateway.post("/api/v1/order/create", token: token,
                                           json: ["product_type": "points_pack", "product_id": "p", "amount": "12"])
        #expect(third.data?["amount"] == "12.00")

        let list = try await gateway.get("/api/v1/order/list?page=1&page_size=2", token: token)
        #expect(list.data?["count"] == 3)
        let items = try #require(list.data?["data"]?.arrayValue)
        #expect(items.count == 2)
        #expect(items.first?["order_no"] == third.data?["order_no"])
        let page2 = try await gateway.get("/api/v1/order/list?page=2&page_size=2", token: token)
        #expect(page2.data?["data"]?.arrayValue?.first?["order_no"]?.stringValue == orderNo)

        let fetched = try await gateway.get("/api/v1/order/\(orderNo)", token: token)
        #expect(fetched.data == created.data)
        let (otherToken, _) = try await gateway.login()
        let foreign = try await gateway.get("/api/v1/order/\(orderNo)", token: otherToken)
        #expect(foreign.status == 404 && foreign.code == 404201 && foreign.message == "Order not found")
        let missing = try await gateway.get("/api/v1/order/o_1_2_3", token: token)
        #expect(missing.code == 404201)
    }

    @Test func orderValidation() async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        let bad = try await gateway.post("/api/v1/order/create", token: token, json: [
            "product_type": "gift", "product_id": .string(String(repeating: "p", count: 65)), "quantity": 0,
            "amount": "1.234", "currency": "DOLLARSXX",
        ])
        #expect(bad.status == 422)
        let errors = try #require(bad.data?["errors"]?.arrayValue)
        #expect(errors.map { $0["type"]?.stringValue ?? "" }
                == ["enum", "string_too_long", "greater_than_equal", "string_too_long"])
        #expect(errors[2]["input"] == 0 && errors[2]["ctx"] == ["ge": 1])
        #expect(errors.first?["msg"]?.stringValue == "Input should be 'points_pack' or 'subscription'")
        #expect(errors.first?["loc"] == ["body", "product_type"])
        let tooMany = try await gateway.post("/api/v1/order/create", token: token,
                                             json: ["product_type": "points_pack", "product_id": "x", "quantity": 100001])
        #expect(tooMany.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "less_than_equal")
        let huge = try await gateway.post("/api/v1/order/create", token: token,
                                          json: ["product_type": "points_pack", "product_id": "x", "amount": "123456789.00"])
        #expect(huge.status == 422)
        #expect(huge.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "decimal_whole_digits")
        // Any precision is accepted and the column rounds it, as it did for the original.
        let rounded = try await gateway.post("/api/v1/order/create", token: token,
                                             json: ["product_type": "points_pack", "product_id": "x", "amount": "19.999"])
        #expect(rounded.data?["amount"] == "20.00")
        let noCurrency = try await gateway.post("/api/v1/order/create", token: token,
                                                json: ["product_type": "points_pack", "product_id": "x", "currency": ""])
        #expect(noCurrency.status == 200 && noCurrency.data?["currency"] == "")
        let notANumber = try await gateway.post("/api/v1/order/create", token: token,
                                                json: ["product_type": "points_pack", "product_id": "x", "amount": "abc"])
        #expect(notANumber.data?["errors"]?.arrayValue?.first?["type"]?.stringValue == "decimal_parsing")
    }

    // MARK: - Envelope for everything else

    @Test func unknownRoutesAndMethodsAnswerTheEnvelope() async throws {
        let gateway = try GatewayProcess.shared
        let unknown = try await gateway.get("/api/v1/nothing/here")
        #expect(unknown.status == 404 && unknown.code == 404000 && unknown.message == "Not Found")
        #expect(unknown.data?.isNull == true)
        let root = try await gateway.get("/")
        #expect(root.code == 404000)
        let method = try await gateway.request("DELETE", "/api/v1/auth/login")
        #expect(method.status == 405 && method.code == 405000 && method.message == "Method Not Allowed")
        #expect(method.header("Allow") == "POST")
        let patch = try await gateway.request("PATCH", "/api/v1/user/profile", body: [])
        #expect(patch.code == 405000)
        // Starlette's Allow: the methods of the first route whose path matches (GET, not PUT).
        #expect(patch.header("Allow") == "GET")
        let slash = try await gateway.get("/api/v1/config/")
        #expect(slash.status == 307 && slash.header("Location")?.hasSuffix("/api/v1/config") == true)
        let head = try await gateway.request("HEAD", "/api/v1/config")
        #expect(head.status == 405 && head.header("Allow") == "GET")
        let options = try await gateway.request("OPTIONS", "/api/v1/config")
        #expect(options.code == 405000)
        let weird = try await gateway.request("BREW", "/api/v1/config")
        #expect(weird.status >= 400 && weird.status < 500)
    }

    @Test func oversizeBodiesAre413000() async throws {
        let gateway = try GatewayProcess.shared
        let big = Array(#"{"device_id":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 2 * 1024 * 1024) + Array(#""}"#.utf8)
        let response = try await gateway.request("POST", "/api/v1/auth/login", headers: [("Content-Type", "application/json")], body: big)
        #expect(response.status == 413)
        #expect(response.code == 413000 && response.message == "Request body too large")
        #expect(response.header("X-Request-Id") != nil)
        // Chunked, with no declared length: caught while reading (from a caller whose
        // token is admitted first: without one it is refused before the body, see HostileGatewayTests).
        let login = try await gateway.post("/api/v1/auth/login", json: ["device_id": "oversize-chunked"])
        let token = login.data?["access_token"]?.stringValue ?? ""
        var chunked = Array("POST /api/v1/order/create HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".utf8)
        for _ in 0..<40 {
            chunked += Array("10000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: " "), count: 0x10000) + Array("\r\n".utf8)
        }
        chunked += Array("0\r\n\r\n".utf8)
        let streamed = try await gateway.raw(chunked)
        #expect(streamed.status == 413)
        #expect(streamed.code == 413000)
        // Still alive and well.
        #expect(try await gateway.get("/api/v1/health").status == 200)
    }

    @Test func garbageOnTheWireDoesNotHurt() async throws {
        let gateway = try GatewayProcess.shared
        _ = try? await gateway.raw(Array("THIS IS NOT HTTP\r\n\r\n".utf8), timeoutSeconds: 3)
        _ = try? await gateway.raw(Array("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".utf8), timeoutSeconds: 3)
        _ = try? await gateway.raw([UInt8](repeating: 0, count: 1000), timeoutSeconds: 3)
        let headerBomb = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n"
        if let bomb = try? await gateway.raw(Array(headerBomb.utf8), timeoutSeconds: 3) { #expect(bomb.status >= 400) }
        #expect(try await gateway.get("/api/v1/health").status == 200)
        #expect(gateway.isRunning)
    }

    // MARK: - Request ids and CORS

    @Test func requestIDsAreEchoedOrMade() async throws {
        let gateway = try GatewayProcess.shared
        let echoed = try await gateway.get("/api/v1/health", headers: [("X-Request-Id", "abc-123_X.y")])
        #expect(echoed.header("X-Request-Id") == "abc-123_X.y")
        for bad in ["has space", String(repeating: "a", count: 129), "semi;colon"] {
            let replaced = try await gateway.get("/api/v1/config", headers: [("X-Request-Id", bad)])
            let id = try #require(replaced.header("X-Request-Id"))
            #expect(id != bad && !id.isEmpty)
        }
        var seen = Set<String>()
        for path in ["/api/v1/config", "/nope", "/api/v1/user/profile"] {
            let response = try await gateway.get(path)
            let id = try #require(response.header("X-Request-Id"))
            #expect(!seen.contains(id))
            seen.insert(id)
        }
        let notAllowed = try await gateway.request("DELETE", "/api/v1/config")
        #expect(notAllowed.header("X-Request-Id") != nil)
    }

    @Test func corsPreflightAndSimpleRequests() async throws {
        let gateway = try GatewayProcess.shared
        let preflight = try await gateway.request("OPTIONS", "/api/v1/auth/login", headers: [
            ("Origin", "http://app.example"), ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization, content-type"),
        ])
        #expect(preflight.status == 200)
        #expect(preflight.header("Access-Control-Allow-Origin") == "http://app.example")
        #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
        #expect(preflight.header("Access-Control-Allow-Headers") == "authorization, content-type")
        #expect(preflight.header("Access-Control-Allow-Credentials") == "true")
        #expect(preflight.header("X-Request-Id") != nil)
        // Configured with a trailing slash; browsers send none.
        let admin = try await gateway.request("OPTIONS", "/api/v1/config", headers: [
            ("Origin", "https://admin.example"), ("Access-Control-Request-Method", "GET"),
        ])
        #expect(admin.header("Access-Control-Allow-Origin") == "https://admin.example")

        let stranger = try await gateway.request("OPTIONS", "/api/v1/auth/login", headers: [
            ("Origin", "http://evil.example"), ("Access-Control-Request-Method", "POST"),
        ])
        #expect(stranger.header("Access-Control-Allow-Origin") == nil)
        #expect(stranger.status == 400 && stranger.text == "Disallowed CORS origin")

        let simple = try await gateway.get("/api/v1/config", headers: [("Origin", "http://app.example")])
        #expect(simple.header("Access-Control-Allow-Origin") == "http://app.example")
        #expect(simple.header("Vary") == "Origin")
        let foreign = try await gateway.get("/api/v1/config", headers: [("Origin", "http://evil.example")])
        #expect(foreign.header("Access-Control-Allow-Origin") == nil)
        #expect(foreign.header("Access-Control-Allow-Credentials") == "true")
    }

    // MARK: - Docs

    static let contractPaths = [
        "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/user/profile", "/api/v1/points/balance",
        "/api/v1/points/transactions", "/api/v1/config", "/api/v1/emoji/upload", "/api/v1/emoji/detect",
        "/api/v1/emoji/create", "/api/v1/emoji/task/{task_id}", "/api/v1/emoji/history", "/api/v1/subscription/status",
        "/api/v1/subscription/webhook", "/api/v1/order/create", "/api/v1/order/list", "/api/v1/order/{order_no}",
        "/api/v1/utils/health-check/", "/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json", "/api/v1/docs", "/metrics",
        "/docs", "/redoc",
    ]

    @Test func openAPIDescribesEveryContractRoute() async throws {
        let gateway = try GatewayProcess.shared
        let response = try await gateway.get("/api/v1/openapi.json")
        #expect(response.status == 200)
        let document = try #require(response.json)
        #expect(document["openapi"]?.stringValue == "3.1.0")
        let paths = try #require(document["paths"]?.objectValue)
        for path in Self.contractPaths {
            #expect(paths[path] != nil, "\(path) missing")
        }
        #expect(paths["/api/v1/emoji/task/{task_id}"]?["delete"] != nil)
        #expect(paths["/api/v1/user/profile"]?["put"] != nil)
        // Every error code of the contract is documented somewhere.
        let text = response.text
        for code in [400001, 400002, 400003, 400101, 401000, 401001, 402001, 403000, 404001, 404101, 404201, 405000, 409001,
                     413000, 422000, 429000, 500000, 500001, 500101, 502102, 503000] {
            #expect(text.contains(String(code)), "\(code) undocumented")
        }
        // Every $ref resolves.
        var refs: [String] = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for entry in object.entries {
                    if entry.key == "$ref", let ref = entry.value.stringValue { refs.append(ref) } else { collect(entry.value) }
                }
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(document)
        #expect(!refs.isEmpty)
        for ref in refs {
            let parts = ref.split(separator: "/").dropFirst().map(String.init)
            var node: JSONValue? = document
            for part in parts { node = node?[part] }
            #expect(node != nil, "\(ref) does not resolve")
        }
        // A real OpenAPI 3.1 validator, when the machine has one (openapi-spec-validator).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("openapi") + ".json")
        try Data(response.body).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try await onThread { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import json, sys
                try:
                    from openapi_spec_validator import validate
                except ImportError:
                    print("validator not installed"); sys.exit(0)
                validate(json.load(open(sys.argv[1]))); print("valid")
                """, file.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        #expect(check.0 == 0, "openapi-spec-validator: \(check.1)")
    }

    @Test func docsPageIsSelfContained() async throws {
        let gateway = try GatewayProcess.shared
        let page = try await gateway.get("/api/v1/docs")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        let html = page.text.lowercased()
        #expect(html.contains("<html"))
        #expect(html.contains("openapi.json"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"))
        #expect(!html.contains("<script src") && !html.contains("<link"))
    }
}
