import Foundation
import Testing
import GalleyCore
import GalleyRuntime
import GalleyPayments
import GalleyTestSupport

/// WeChat Pay end to end: a real APIGateway and WebhookWorker against the WeChat Pay
/// stand-in (Python `cryptography` checks every request signature, signs and encrypts
/// every notification). An order is created, prepaid, paid (its notification delivered
/// twice), refunded (the refund notification out of order with the payment's); forged,
/// stale, mis-signed and wrong-amount notifications change nothing they should not.
@Suite(.serialized) struct WeChatPayEndToEndTests {
    /// The original's default config plus prices in fen.
    static func configFile() throws -> String {
        var document = try JSONParser.parse(BusinessConfig.originalDefaultJSON).objectValue ?? JSONObject()
        document["pack_prices_fen"] = ["points_1000": 600, "points_3000": 1800]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("config") + ".json").path
        try Data(JSONWriter.bytes(.object(document))).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The stand-in, a gateway paying through it and a WebhookWorker applying its notifications.
    struct Fleet {
        let standIn: WeChatPayStandIn
        let gateway: GatewayProcess
        let worker: ExecutableProcess
        let workerEnvironment: [String: String]

        static func start() async throws -> Fleet {
            let standIn = try await WeChatPayStandIn.start()
            let config = try configFile()
            var environment = standIn.environment()
            environment["CONFIG_PATH"] = config
            environment["WECHATPAY_QUERY_AFTER_SECONDS"] = "2"
            let gateway: GatewayProcess
            do {
                gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 1, environment: environment))
            } catch {
                await standIn.stop()
                throw error
            }
            try await standIn.control("/_standin/knobs", ["notify_url": .string("http://127.0.0.1:\(gateway.port)/api/v1/pay/wechat/notify")])
            var workerEnvironment = environment
            for (name, value) in [
                "ENVIRONMENT": "local", "POSTGRES_SERVER": TestEnvironment.postgresHost, "POSTGRES_PORT": String(TestEnvironment.postgresPort),
                "POSTGRES_USER": TestEnvironment.postgresUser, "POSTGRES_PASSWORD": TestEnvironment.postgresPassword,
                "POSTGRES_DB": gateway.database, "REDIS_HOST": TestEnvironment.redisHost, "REDIS_PORT": String(TestEnvironment.redisPort),
                "REDIS_DB": "1", "HOST": "127.0.0.1", "METRICS_PORT": "0", "MIGRATE_ON_START": "false",
                "WEBHOOK_WORKER_CONSUMER": "wechat-e2e", "SHUTDOWN_DEADLINE_SECONDS": "5", "LOG_LEVEL": "info",
            ] { workerEnvironment[name] = value }
            let worker = try ExecutableProcess.start("WebhookWorker", environment: workerEnvironment)
            return Fleet(standIn: standIn, gateway: gateway, worker: worker, workerEnvironment: workerEnvironment)
        }

        func stop() async {
            _ = await worker.stop()
            await gateway.tearDown()
            await standIn.stop()
        }

        /// A logged-in user with a pending `points_1000` order; answers token, user id and order number.
        func newOrder() async throws -> (token: String, user: Int64, orderNo: String) {
            let (token, user) = try await gateway.login()
            let order = try await gateway.post("/api/v1/order/create", token: token,
                                               json: ["product_type": "points_pack", "product_id": "points_1000"])
            let orderNo = try #require(order.data?["order_no"]?.stringValue)
            return (token, user, orderNo)
        }

        func prepay(_ token: String, _ orderNo: String) async throws -> JSONValue {
            let answer = try await gateway.post("/api/v1/pay/wechat/prepay", token: token, json: ["order_no": .string(orderNo)])
            #expect(answer.status == 200 && answer.code == 0, "\(String(decoding: answer.body, as: UTF8.self))")
            return try #require(answer.data)
        }

        func balance(_ token: String) async throws -> Int64? {
            try await gateway.get("/api/v1/points/balance", token: token).data?["balance"]?.int64Value
        }

        func orderStatus(_ token: String, _ orderNo: String) async throws -> String? {
            try await gateway.get("/api/v1/order/\(orderNo)", token: token).data?["status"]?.stringValue
        }

        func ledger(_ user: Int64) async throws -> [String] {
            try await gateway.sql("SELECT type, amount FROM point_transactions WHERE user_id = $1 ORDER BY created_at, id", [user]).map {
                "\(try $0.decode(String.self, "type")) \(try $0.decode(Int.self, "amount"))"
            }
        }

        /// Polls `probe` until it answers true (the worker applies asynchronously).
        func eventually(_ what: String, seconds: Double = 30, _ probe: () async throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try await probe() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("not reached in \(seconds) s: \(what)\nworker: \(worker.output.suffix(2000))")
        }
    }

    @Test func payTwiceRefundOutOfOrderAndTheForgeriesChangeNothing() async throws {
        let fleet = try await Fleet.start()
        do {
            try await run(fleet)
        } catch {
            Issue.record("\(error)\ngateway: \(fleet.gateway.logTail())\nstand-in: \(fleet.standIn.logTail())")
        }
        await fleet.stop()
    }

    private func run(_ fleet: Fleet) async throws {
        let (token, user, orderNo) = try await fleet.newOrder()

        // Prepay: the price comes from pack_prices_fen; a second prepay is the same prepay_id.
        let first = try await fleet.prepay(token, orderNo)
        #expect(first["amount_fen"]?.int64Value == 600 && first["currency"] == "CNY")
        let prepayID = try #require(first["prepay_id"]?.stringValue)
        let outTradeNo = try #require(first["out_trade_no"]?.stringValue)
        #expect(try await fleet.prepay(token, orderNo)["prepay_id"]?.stringValue == prepayID)
        // The client parameters verify with the merchant's public key (what the app SDK checks).
        let params = try #require(first["pay_params"])
        let merchant = try RSAPublicKey(pem: String(contentsOfFile: fleet.standIn.directory + "/merchant_public.pem", encoding: .utf8),
                                        source: .publicKey)
        let signed = WeChatPaySignature.appMessage(appID: WeChatPayTestKeys.appID, timestamp: params["timestamp"]?.stringValue ?? "",
                                                   nonce: params["noncestr"]?.stringValue ?? "", prepayID: prepayID)
        #expect(merchant.verifySHA256(Array(signed.utf8), signature: Base64.decode(params["sign"]?.stringValue ?? "") ?? []))
        // Every request Galley made verified with the stand-in's own (Python) signature check.
        let requests = try await fleet.standIn.control("/_standin/requests").arrayValue ?? []
        #expect(!requests.isEmpty && requests.allSatisfy { $0["verified"] == true })

        // Paid: TRANSACTION.SUCCESS held twice; one delivery now.
        let paid = try await fleet.standIn.control("/_standin/pay", ["out_trade_no": .string(outTradeNo), "deliveries": 2, "hold": true])
        let paymentID = try #require(paid["notification_id"]?.stringValue)
        let delivered = try await fleet.standIn.control("/_standin/deliver", ["ids": [.string("\(paymentID)#0")]])
        #expect(delivered["delivered"]?.arrayValue?.first?["status"]?.int64Value == 200)
        try await fleet.eventually("order paid") { try await fleet.orderStatus(token, orderNo) == "paid" }
        #expect(try await fleet.balance(token) == 1000)

        // The operator refunds it; the refund notification arrives twice, before the payment's
        // second delivery and around it.
        let refundRun = try await ExecutableProcess.run(
            "WebhookWorker", arguments: ["refund", "--order", orderNo, "--reason", "test"], environment: fleet.workerEnvironment)
        #expect(refundRun.status == 0, "\(refundRun.stderr)")
        #expect(refundRun.stdout.contains("PROCESSING"))
        let refund = try await fleet.standIn.control("/_standin/refund-complete",
                                                     ["out_refund_no": .string("R" + outTradeNo), "deliveries": 2, "hold": true])
        let refundID = try #require(refund["notification_id"]?.stringValue)
        let order: [JSONValue] = [.string("\(refundID)#0"), .string("\(paymentID)#1"), .string("\(refundID)#1")]
        let answers = try await fleet.standIn.control("/_standin/deliver", ["ids": .array(order)])
        #expect(answers["delivered"]?.arrayValue?.allSatisfy { $0["status"]?.int64Value == 200 } == true)
        try await fleet.eventually("order refunded") { try await fleet.orderStatus(token, orderNo) == "refunded" }
        #expect(try await fleet.balance(token) == 0)
        #expect(try await fleet.ledger(user) == ["purchase 1000", "refund -1000"])

        // Forged, stale, mis-signed (other key, unknown serial, changed body) and tampered ciphertext:
        // refused by the gateway, nothing stored.
        let (token2, user2, orderNo2) = try await fleet.newOrder()
        let outTradeNo2 = try #require(try await fleet.prepay(token2, orderNo2)["out_trade_no"]?.stringValue)
        let forgedResource: JSONValue = [
            "appid": .string(WeChatPayTestKeys.appID), "mchid": .string(WeChatPayTestKeys.mchID), "out_trade_no": .string(outTradeNo2),
            "transaction_id": "4200009999", "trade_state": "SUCCESS", "amount": ["total": 600, "currency": "CNY"],
        ]
        let notifyURL = "http://127.0.0.1:\(fleet.gateway.port)/api/v1/pay/wechat/notify"
        for tamper in ["signature", "timestamp", "serial", "body", "ciphertext"] {
            let sent = try await fleet.standIn.control("/_standin/notify", [
                "url": .string(notifyURL), "event_type": "TRANSACTION.SUCCESS", "resource": forgedResource, "tamper": .string(tamper),
            ])
            #expect(sent["status"]?.int64Value == 401, "\(tamper): \(sent)")
            let answer = sent["answer"]?.stringValue ?? ""
            #expect(answer.contains("FAIL"), "\(tamper)")
        }
        #expect(try await fleet.gateway.sql("SELECT 1 FROM wechatpay_notifications WHERE out_trade_no = $1", [outTradeNo2]).isEmpty)

        // Wrong amount, correctly signed: stored, then flagged by the worker; nothing credited.
        try await fleet.standIn.control("/_standin/pay", ["out_trade_no": .string(outTradeNo2), "total": 1])
        try await fleet.eventually("order flagged") {
            try await fleet.gateway.sql("SELECT 1 FROM wechatpay_orders WHERE out_trade_no = $1 AND state = 'flagged'", [outTradeNo2]).count == 1
        }
        #expect(try await fleet.balance(token2) == 0)
        #expect(try await fleet.ledger(user2).isEmpty)
        #expect(try await fleet.orderStatus(token2, orderNo2) == "failed")

        // A missed notification: paid at the stand-in with the notification held and never
        // delivered; the worker's sweep (WECHATPAY_QUERY_AFTER_SECONDS=2) finds it by query.
        let (token3, _, orderNo3) = try await fleet.newOrder()
        let outTradeNo3 = try #require(try await fleet.prepay(token3, orderNo3)["out_trade_no"]?.stringValue)
        try await fleet.standIn.control("/_standin/pay", ["out_trade_no": .string(outTradeNo3), "hold": true])
        try await fleet.eventually("missed notification found by the sweep", seconds: 60) {
            try await fleet.orderStatus(token3, orderNo3) == "paid"
        }
        #expect(try await fleet.balance(token3) == 1000)
    }
}
