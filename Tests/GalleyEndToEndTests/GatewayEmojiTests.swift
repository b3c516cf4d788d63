import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// Emoji routes end to end: create (one transaction, idempotency, concurrency, the
/// stream), task/history/delete with refunds, upload credentials with the local
/// storage routes, and detect.
@Suite(.gateway(redisDatabase: 11))
struct GatewayEmojiTests {
    static let body: JSONValue = ["image_url": "https://img.example/a.jpg", "driven_id": "mengwa_kaixin",
                                  "face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200]]

    /// Credits points the way the ledger does (balance and a purchase row together), so
    /// balance == sum(amount) holds from the start.
    static func credit(_ gateway: GatewayProcess, _ userID: Int64, _ points: Int) async throws {
        _ = try await gateway.sql("""
            WITH u AS (UPDATE user_points SET balance = balance + $2, updated_at = now() WHERE user_id = $1 RETURNING balance)
            INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at)
            SELECT $3, $1, 'purchase', $2, balance, now() FROM u
            """, [userID, points, Int64.random(in: 1...(Int64.max / 2))])
    }

    static func ledgerConsistent(_ gateway: GatewayProcess, _ userID: Int64) async throws -> (balance: Int, sum: Int) {
        let rows = try await gateway.sql("""
            SELECT (SELECT balance FROM user_points WHERE user_id = $1) AS balance,
                   (SELECT COALESCE(sum(amount), 0)::int FROM point_transactions WHERE user_id = $1) AS total
            """, [userID])
        let row = try #require(rows.first)
        return (try row.decode(Int.self, "balance"), try row.decode(Int.self, "total"))
    }

    // MARK: - Create

    @Test func createDebitsCreatesAndEnqueues() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 500)
        let created = try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body)
        #expect(created.status == 200)
        let task = try #require(created.data)
        #expect(task.objectValue?.keys == ["id", "status", "points_cost", "result_url", "error_message", "created_at", "completed_at"])
        #expect(task["status"] == "pending" && task["points_cost"] == 200)
        #expect(task["result_url"]?.isNull == true && task["completed_at"]?.isNull == true)
        let taskID = try #require(task["id"]?.int64Value)

        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 300])
        let ledger = try await Self.ledgerConsistent(gateway, userID)
        #expect(ledger.balance == 300 && ledger.sum == 300)
        let transactions = try await gateway.get("/api/v1/points/transactions", token: token)
        let newest = try #require(transactions.data?["data"]?.arrayValue?.first)
        #expect(newest["type"] == "consume" && newest["amount"] == -200 && newest["balance_after"] == 300)
        #expect(newest["task_type"] == "emoji")

        let rows = try await gateway.sql(
            "SELECT status, driven_id, source_image_url, detect_result::text AS detect FROM emoji_tasks WHERE id = $1", [taskID])
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, "status") == "pending")
        let detect = try JSONParser.parse(try row.decode(String.self, "detect"))
        #expect(detect == ["face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200], "raw": nil])

        _ = try await gateway.waitForStream([String(taskID)])
        let entry = try await gateway.redis { connection -> [String: String] in
            let reply = try connection.checkedCommand(["XRANGE", "emoji_tasks", "-", "+"])
            for item in reply.arrayValue ?? [] {
                let fields = item.arrayValue?[1].arrayValue?.compactMap(\.stringValue) ?? []
                var map: [String: String] = [:]
                for index in stride(from: 0, to: fields.count - 1, by: 2) { map[fields[index]] = fields[index + 1] }
                if map["task_id"] == String(taskID) { return map }
            }
            return [:]
        }
        #expect(entry["user_id"] == String(userID))
        #expect(entry["image_url"] == "https://img.example/a.jpg" && entry["driven_id"] == "mengwa_kaixin")
        #expect(entry["detect_result"].flatMap { try? JSONParser.parse($0) } == detect)
        let pending = try await gateway.sql("SELECT count(*) AS n FROM outbox WHERE fields->>'task_id' = $1", [String(taskID)])
        // Sent by the request; the relay deletes it within a couple of seconds.
        var remaining = try pending.first?.decode(Int.self, "n") ?? 0
        for _ in 0..<50 where remaining > 0 {
            try await Task.sleep(for: .milliseconds(100))
            remaining = try await gateway.sql("SELECT count(*) AS n FROM outbox WHERE fields->>'task_id' = $1", [String(taskID)])
                .first?.decode(Int.self, "n") ?? 0
        }
        #expect(remaining == 0)
    }

    @Test func createWithoutBoxesDetectsFirst() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 200)
        let created = try await gateway.post("/api/v1/emoji/create", token: token,
                                             json: ["image_url": "https://img.example/b.png", "driven_id": "d1"])
        #expect(created.status == 200)
        let taskID = try #require(created.data?["id"]?.int64Value)
        let rows = try await gateway.sql("SELECT detect_result::text AS detect FROM emoji_tasks WHERE id = $1", [taskID])
        let detect = try JSONParser.parse(try #require(rows.first).decode(String.self, "detect"))
        #expect(detect == ["face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": ["mock": true]])

        // An empty box counts as missing, as the original read it.
        try await Self.credit(gateway, userID, 200)
        let empty = try await gateway.post("/api/v1/emoji/create", token: token,
                                           json: ["image_url": "https://img.example/c.png", "driven_id": "d1", "face_bbox": [], "ext_bbox": [1, 2, 3, 4]])
        let emptyID = try #require(empty.data?["id"]?.int64Value)
        let emptyRows = try await gateway.sql("SELECT detect_result::text AS detect FROM emoji_tasks WHERE id = $1", [emptyID])
        #expect(try JSONParser.parse(try #require(emptyRows.first).decode(String.self, "detect"))["raw"] == ["mock": true])
    }

    @Test func insufficientPointsIs402001WithHTTP400AndChargesNothing() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 199)
        let refused = try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body)
        #expect(refused.status == 400)
        #expect(refused.code == 402001 && refused.message == "Insufficient points")
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 199])
        let tasks = try await gateway.sql("SELECT count(*) AS n FROM emoji_tasks WHERE user_id = $1", [userID])
        #expect(try tasks.first?.decode(Int.self, "n") == 0)
        let outbox = try await gateway.sql("SELECT count(*) AS n FROM outbox WHERE fields->>'user_id' = $1", [String(userID)])
        #expect(try outbox.first?.decode(Int.self, "n") == 0)
    }

    @Test func twoHundredConcurrentCreatesForTenCreditsMakeExactlyTen() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 2000)
        let port = gateway.port
        let body = JSONWriter.bytes(Self.body)
        let results = await concurrently(200) { _ in
            try GatewayHTTPClient.request(port: port, method: "POST", path: "/api/v1/emoji/create",
                                          headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                                          body: body)
        }
        let responses = results.compactMap { try? $0.get() }
        #expect(responses.count == 200)
        let accepted = responses.filter { $0.status == 200 && $0.code == 0 }
        let refused = responses.filter { $0.status == 400 && $0.code == 402001 }
        #expect(accepted.count == 10)
        #expect(refused.count == 190)
        #expect(!responses.contains { $0.status >= 500 })

        let ledger = try await Self.ledgerConsistent(gateway, userID)
        #expect(ledger.balance == 0 && ledger.sum == 0)
        let counts = try await gateway.sql("""
            SELECT (SELECT count(*) FROM emoji_tasks WHERE user_id = $1)::int AS tasks,
                   (SELECT count(*) FROM point_transactions WHERE user_id = $1 AND type = 'consume')::int AS debits,
                   (SELECT count(*) FROM emoji_tasks t JOIN point_transactions p
                      ON p.ref_key = 'consume:task:' || t.id WHERE t.user_id = $1)::int AS linked
            """, [userID])
        #expect(try counts.first?.decode(Int.self, "tasks") == 10)
        #expect(try counts.first?.decode(Int.self, "debits") == 10)
        // Every charge names its task, so an audit can prove no task was charged twice.
        #expect(try counts.first?.decode(Int.self, "linked") == 10)

        let acceptedIDs = Set(accepted.compactMap { $0.data?["id"]?.int64Value.map(String.init) })
        #expect(acceptedIDs.count == 10)
        let stream = try await gateway.waitForStream(Array(acceptedIDs))
        for id in acceptedIDs { #expect(stream.filter { $0 == id }.count == 1, "task \(id) in the stream") }
    }

    @Test func sameIdempotencyKeyTwentyTimesConcurrentlyIsOneTaskOneCharge() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 1000)
        let port = gateway.port
        let body = JSONWriter.bytes(Self.body)
        let key = TestEnvironment.uniqueName("key")
        let results = await concurrently(20) { _ in
            try GatewayHTTPClient.request(port: port, method: "POST", path: "/api/v1/emoji/create", headers: [
                ("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"), ("Idempotency-Key", key),
            ], body: body)
        }
        let responses = results.compactMap { try? $0.get() }
        #expect(responses.count == 20)
        #expect(responses.allSatisfy { $0.status == 200 && $0.code == 0 })
        let ids = Set(responses.compactMap { $0.data?["id"]?.int64Value })
        #expect(ids.count == 1)
        let taskID = try #require(ids.first)
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 800])
        let ledger = try await Self.ledgerConsistent(gateway, userID)
        #expect(ledger.balance == 800 && ledger.sum == 800)
        let tasks = try await gateway.sql("SELECT count(*) AS n FROM emoji_tasks WHERE user_id = $1", [userID])
        #expect(try tasks.first?.decode(Int.self, "n") == 1)
        #expect(try await gateway.waitForStream([String(taskID)]).filter { $0 == String(taskID) }.count == 1)

        // Later: the same body (keys reordered, spaced) replays; another body is 409001.
        let reordered = Array(#"{ "driven_id":"mengwa_kaixin", "ext_bbox":[0,0,200,200], "face_bbox":[10,20,110,120], "image_url":"https://img.example/a.jpg" }"#.utf8)
        let replay = try await gateway.request("POST", "/api/v1/emoji/create", token: token,
                                               headers: [("Content-Type", "application/json"), ("Idempotency-Key", key)], body: reordered)
        #expect(replay.status == 200 && replay.data?["id"]?.int64Value == taskID)
        var other = Self.body
        if case .object(var object) = other { object["driven_id"] = "another"; other = .object(object) }
        let conflict = try await gateway.post("/api/v1/emoji/create", token: token, json: other, headers: [("Idempotency-Key", key)])
        #expect(conflict.status == 409 && conflict.code == 409001)
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 800])
        // Keys are per user: someone else's identical key is a new task.
        let (otherToken, otherID) = try await gateway.login()
        try await Self.credit(gateway, otherID, 200)
        let theirs = try await gateway.post("/api/v1/emoji/create", token: otherToken, json: Self.body, headers: [("Idempotency-Key", key)])
        #expect(theirs.status == 200 && theirs.data?["id"]?.int64Value != taskID)
    }

    @Test func createValidation() async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        let missing = try await gateway.post("/api/v1/emoji/create", token: token, json: [:])
        #expect(missing.status == 422)
        #expect(missing.data?["errors"]?.arrayValue?.map { $0["loc"] ?? nil } == [["body", "image_url"], ["body", "driven_id"]])
        let long = try await gateway.post("/api/v1/emoji/create", token: token, json: [
            "image_url": .string("https://x/" + String(repeating: "a", count: 1020)), "driven_id": .string(String(repeating: "d", count: 65)),
        ])
        #expect(long.data?["errors"]?.arrayValue?.map { $0["type"]?.stringValue ?? "" } == ["string_too_long", "string_too_long"])
        let boxes = try await gateway.post("/api/v1/emoji/create", token: token, json: [
            "image_url": "u", "driven_id": "d", "face_bbox": "1,2", "ext_bbox": ["a", 1.5, nil],
        ])
        let errors = try #require(boxes.data?["errors"]?.arrayValue)
        #expect(errors.first?["type"] == "list_type" && errors.first?["loc"] == ["body", "face_bbox"])
        #expect(errors.dropFirst().map { $0["loc"] ?? nil } == [["body", "ext_bbox", 0], ["body", "ext_bbox", 1], ["body", "ext_bbox", 2]])
        let key = try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body,
                                         headers: [("Idempotency-Key", String(repeating: "k", count: 129))])
        #expect(key.status == 422)
        #expect(key.data?["errors"]?.arrayValue?.first?["loc"] == ["header", "idempotency-key"])
        // A URL that fits the contract's 1024 characters is stored whole.
        let (richToken, richID) = try await gateway.login()
        try await Self.credit(gateway, richID, 200)
        let url = "https://x/" + String(repeating: "a", count: 1014)
        var longBody = Self.body
        if case .object(var object) = longBody { object["image_url"] = .string(url); longBody = .object(object) }
        let stored = try await gateway.post("/api/v1/emoji/create", token: richToken, json: longBody)
        #expect(stored.status == 200)
        let anonymous = try await gateway.post("/api/v1/emoji/create", json: Self.body)
        #expect(anonymous.status == 403 && anonymous.code == 403000)
        // A well-signed token whose user is gone: 401000, not a foreign-key 500.
        let ghost = JWTSigner(secret: GatewayCoreTests.secret).sign(subject: "987654321", expiresAt: Date().addingTimeInterval(600))
        let gone = try await gateway.post("/api/v1/emoji/create", token: ghost, json: Self.body)
        #expect(gone.status == 401 && gone.code == 401000 && gone.message == "User not found")
    }

    // MARK: - Tasks, history, delete

    @Test func tasksAreVisibleToTheirOwnerOnly() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 400)
        let first = try #require(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).data?["id"]?.int64Value)
        let second = try #require(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).data?["id"]?.int64Value)
        let fetched = try await gateway.get("/api/v1/emoji/task/\(first)", token: token)
        #expect(fetched.status == 200 && fetched.data?["id"]?.int64Value == first)

        let (otherToken, _) = try await gateway.login()
        let foreign = try await gateway.get("/api/v1/emoji/task/\(first)", token: otherToken)
        #expect(foreign.status == 404 && foreign.code == 404101 && foreign.message == "Task not found")
        #expect(try await gateway.request("DELETE", "/api/v1/emoji/task/\(first)", token: otherToken).code == 404101)
        #expect(try await gateway.get("/api/v1/emoji/task/42", token: token).code == 404101)
        let bad = try await gateway.get("/api/v1/emoji/task/abc", token: token)
        #expect(bad.status == 422 && bad.data?["errors"]?.arrayValue?.first?["loc"] == ["path", "task_id"])

        let history = try await gateway.get("/api/v1/emoji/history?page_size=1", token: token)
        #expect(history.data?["count"] == 2)
        #expect(history.data?["data"]?.arrayValue?.map { $0["id"]?.int64Value } == [second])
        #expect(try await gateway.get("/api/v1/emoji/history", token: otherToken).data == ["data": [], "count": 0])
    }

    @Test func deletingAPendingTaskCancelsAndRefundsOnce() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 200)
        let taskID = try #require(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).data?["id"]?.int64Value)
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 0])

        let deleted = try await gateway.request("DELETE", "/api/v1/emoji/task/\(taskID)", token: token)
        #expect(deleted.status == 200 && deleted.data == ["deleted": true])
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 200])
        // Gone for the app, as the original's deleted row was; kept (cancelled) in the database.
        let task = try await gateway.get("/api/v1/emoji/task/\(taskID)", token: token)
        #expect(task.status == 404 && task.code == 404101)
        let cancelled = try await gateway.sql(
            "SELECT status, error_message, completed_at IS NOT NULL AS done FROM emoji_tasks WHERE id = $1", [taskID])
        #expect(try cancelled.first?.decode(String.self, "status") == "failed")
        #expect(try cancelled.first?.decode(String?.self, "error_message") == "Cancelled by user")
        #expect(try cancelled.first?.decode(Bool.self, "done") == true)
        #expect(try await gateway.get("/api/v1/emoji/history", token: token).data?["count"] == 0)

        let again = try await gateway.request("DELETE", "/api/v1/emoji/task/\(taskID)", token: token)
        #expect(again.status == 404 && again.code == 404101)
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 200])
        let refunds = try await gateway.sql(
            "SELECT count(*) AS n FROM point_transactions WHERE user_id = $1 AND type = 'refund' AND ref_key = $2",
            [userID, "refund:task:\(taskID)"])
        #expect(try refunds.first?.decode(Int.self, "n") == 1)
        let ledger = try await Self.ledgerConsistent(gateway, userID)
        #expect(ledger.balance == 200 && ledger.sum == 200)
        let row = try await gateway.sql("SELECT refunded_at IS NOT NULL AS refunded, hidden_at IS NOT NULL AS hidden FROM emoji_tasks WHERE id = $1", [taskID])
        #expect(try row.first?.decode(Bool.self, "refunded") == true && row.first?.decode(Bool.self, "hidden") == true)
    }

    @Test func deletingAProcessingOrFinishedTaskOnlyHidesIt() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        try await Self.credit(gateway, userID, 400)
        let processing = try #require(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).data?["id"]?.int64Value)
        let completed = try #require(try await gateway.post("/api/v1/emoji/create", token: token, json: Self.body).data?["id"]?.int64Value)
        _ = try await gateway.sql("UPDATE emoji_tasks SET status = 'processing' WHERE id = $1", [processing])
        _ = try await gateway.sql("UPDATE emoji_tasks SET status = 'completed', result_url = 'https://r/x.mp4', completed_at = now() WHERE id = $1", [completed])
        for id in [processing, completed] {
            #expect(try await gateway.request("DELETE", "/api/v1/emoji/task/\(id)", token: token).data == ["deleted": true])
        }
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 0])
        #expect(try await gateway.get("/api/v1/emoji/history", token: token).data?["count"] == 0)
        for id in [processing, completed] {
            #expect(try await gateway.get("/api/v1/emoji/task/\(id)", token: token).code == 404101)
        }
        let still = try await gateway.sql("SELECT status FROM emoji_tasks WHERE id = $1", [processing])
        #expect(try still.first?.decode(String.self, "status") == "processing")
    }

    // MARK: - Upload and local storage

    @Test func uploadCredentialsWorkWithTheLocalStorageRoutes() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        let answer = try await gateway.request("POST", "/api/v1/emoji/upload?ext=png", token: token)
        #expect(answer.status == 200)
        let data = try #require(answer.data)
        #expect(data.objectValue?.keys == ["object_key", "image_url", "upload", "expires_at"])
        let key = try #require(data["object_key"]?.stringValue)
        #expect(key.hasPrefix("uploads/\(userID)/") && key.hasSuffix(".png"))
        let name = String(key.split(separator: "/").last ?? "")
        #expect(name.split(separator: "_").last?.count == 16 + 4)
        #expect(data["upload"]?["method"] == "PUT")
        #expect(data["upload"]?["headers"] == ["Content-Type": "image/png"])
        let url = try #require(data["upload"]?["url"]?.stringValue)
        let imageURL = try #require(data["image_url"]?.stringValue)
        #expect(imageURL == "http://127.0.0.1:\(gateway.port)/api/v1/storage/\(key)")
        let expiresAt = try #require(data["expires_at"]?.stringValue.flatMap(Timestamp.parse))
        #expect(expiresAt.timeIntervalSinceNow > 30 && expiresAt.timeIntervalSinceNow <= 61)

        let path = String(url.dropFirst("http://127.0.0.1:\(gateway.port)".count))
        let photo: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + (0..<5000).map { UInt8($0 % 251) }
        let wrongType = try await gateway.request("PUT", path, headers: [("Content-Type", "image/jpeg")], body: photo)
        #expect(wrongType.status == 403 && wrongType.code == 403000)
        let tampered = try await gateway.request("PUT", path.replacingOccurrences(of: "signature=", with: "signature=0"),
                                                 headers: [("Content-Type", "image/png")], body: photo)
        #expect(tampered.status == 403)
        let otherKey = try await gateway.request("PUT", path.replacingOccurrences(of: ".png", with: ".jpg"),
                                                 headers: [("Content-Type", "image/png")], body: photo)
        #expect(otherKey.status == 403)
        let put = try await gateway.request("PUT", path, headers: [("Content-Type", "image/png")], body: photo)
        #expect(put.status == 200 && put.code == 0)
        let fetched = try await gateway.get("/api/v1/storage/\(key)")
        #expect(fetched.status == 200 && fetched.body == photo)
        #expect(fetched.header("Content-Type") == "image/png")

        #expect(try await gateway.get("/api/v1/storage/uploads/nothing.png").code == 404000)
        #expect(try await gateway.get("/api/v1/storage/../etc/passwd").status == 404)
        let huge = try await gateway.request("PUT", path, headers: [("Content-Type", "image/png")],
                                             body: [UInt8](repeating: 1, count: 10 * 1024 * 1024 + 1))
        #expect(huge.status == 413 && huge.code == 413000)
        // A full 10 MB upload is streamed to a file in the storage's spool directory and
        // renamed into place; nothing is left in the spool afterwards.
        let full = (0..<(10 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 17) }
        let fullPut = try await gateway.request("PUT", path, headers: [("Content-Type", "image/png")], body: full)
        #expect(fullPut.status == 200 && fullPut.data?["size"] == .int(Int64(full.count)), "\(fullPut.text)")
        #expect(try await gateway.get("/api/v1/storage/\(key)").body == full)
        let spool = gateway.storageDirectory + "/.spool"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).isEmpty)
        #expect(try await gateway.get("/api/v1/storage/.spool/x").status == 404)

        let bad = try await gateway.request("POST", "/api/v1/emoji/upload?ext=gif", token: token)
        #expect(bad.status == 422)
        #expect(bad.data?["errors"]?.arrayValue?.first?["loc"] == ["query", "ext"])
        #expect(bad.data?["errors"]?.arrayValue?.first?["msg"] == "Input should be 'jpg', 'jpeg', 'png' or 'webp'")
        #expect(try await gateway.request("POST", "/api/v1/emoji/upload?ext=jpg").code == 403000)

        // The optional declared size (S3 binds the signature to it): 1 byte to 10 MB.
        #expect(try await gateway.request("POST", "/api/v1/emoji/upload?ext=png&size=5004", token: token).status == 200)
        for size in ["0", "10485761", "abc", "-5"] {
            let refused = try await gateway.request("POST", "/api/v1/emoji/upload?ext=png&size=\(size)", token: token)
            #expect(refused.status == 422, "size=\(size)")
            #expect(refused.data?["errors"]?.arrayValue?.first?["loc"] == ["query", "size"])
        }
    }

    // MARK: - Detect

    static func multipart(filename: String?, bytes: [UInt8], field: String = "file") -> (String, [UInt8]) {
        let boundary = "galleyboundary\(UInt32.random(in: 0...UInt32.max))"
        var body = Array("--\(boundary)\r\n".utf8)
        let disposition = filename.map { "form-data; name=\"\(field)\"; filename=\"\($0)\"" } ?? "form-data; name=\"\(field)\""
        body += Array("Content-Disposition: \(disposition)\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    @Test func detectStoresThePhotoAndChecksTheFace() async throws {
        let gateway = try GatewayProcess.shared
        let (token, userID) = try await gateway.login()
        let photo: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<20000).map { UInt8($0 % 256) }
        let (type, body) = Self.multipart(filename: "selfie.JPG", bytes: photo)
        let detected = try await gateway.request("POST", "/api/v1/emoji/detect", token: token,
                                                 headers: [("Content-Type", type)], body: body)
        #expect(detected.status == 200)
        let data = try #require(detected.data)
        #expect(data["passed"] == true && data["face_bbox"] == [0, 0, 100, 100] && data["ext_bbox"] == [0, 0, 120, 120])
        #expect(data["raw"] == ["mock": true])
        let imageURL = try #require(data["image_url"]?.stringValue)
        #expect(imageURL.contains("/api/v1/storage/uploads/\(userID)/") && imageURL.hasSuffix(".jpg"))
        let path = String(imageURL.dropFirst("http://127.0.0.1:\(gateway.port)".count))
        #expect(try await gateway.get(path).body == photo)
        // No charge.
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 0])
    }

    @Test func detectRefusesBadUploads() async throws {
        let gateway = try GatewayProcess.shared
        let (token, _) = try await gateway.login()
        func send(_ type: String, _ body: [UInt8]) async throws -> GatewayHTTPResponse {
            try await gateway.request("POST", "/api/v1/emoji/detect", token: token, headers: [("Content-Type", type)], body: body)
        }
        let (t1, noName) = Self.multipart(filename: nil, bytes: [1, 2, 3])
        let r1 = try await send(t1, noName)
        #expect(r1.status == 400 && r1.code == 400001 && r1.message == "No filename")
        let (t2, badType) = Self.multipart(filename: "doc.pdf", bytes: [1, 2, 3])
        let r2 = try await send(t2, badType)
        #expect(r2.status == 400 && r2.code == 400002 && r2.message == "Invalid file type")
        let (t3, tooBig) = Self.multipart(filename: "big.png", bytes: [UInt8](repeating: 7, count: 10 * 1024 * 1024 + 1))
        let r3 = try await send(t3, tooBig)
        #expect(r3.status == 400 && r3.code == 400003 && r3.message == "File too large")
        let (t4, wrongField) = Self.multipart(filename: "a.jpg", bytes: [1], field: "photo")
        let r4 = try await send(t4, wrongField)
        #expect(r4.status == 422 && r4.data?["errors"]?.arrayValue?.first?["loc"] == ["body", "file"])
        let r5 = try await send("application/json", Array(#"{"file":"x"}"#.utf8))
        #expect(r5.status == 422)
        let (t6, wayTooBig) = Self.multipart(filename: "big.png", bytes: [UInt8](repeating: 7, count: 11 * 1024 * 1024))
        let r6 = try await send(t6, wayTooBig)
        #expect(r6.status == 413 && r6.code == 413000)
    }
}
