import Foundation
import Testing
import GalleyCore
import GalleyTestSupport

/// The pay routes with WeChat Pay not configured (the default): a clear 500501 in the
/// contract's envelope, and nothing else about the gateway changes.
@Suite struct WeChatPayGatewayTests {
    @Test func notConfiguredAnswers500501() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let (token, _) = try await gateway.login()
        let prepay = try await gateway.request("POST", "/api/v1/pay/wechat/prepay", token: token, json: ["order_no": "o_1"])
        #expect(prepay.status == 500 && prepay.code == 500501 && prepay.message == "WeChat Pay not configured")
        let notify = try await gateway.request("POST", "/api/v1/pay/wechat/notify", json: ["id": "x"])
        #expect(notify.status == 500 && notify.code == 500501)
        let rows = try await gateway.postgres.withConnection { try $0.query("SELECT count(*) AS n FROM wechatpay_notifications").rows }
        #expect(try rows.first?.decode(Int.self, "n") == 0)
        // The document lists the routes and the codes.
        let document = try await gateway.request("GET", "/api/v1/openapi.json")
        #expect(document.json?["paths"]?["/api/v1/pay/wechat/prepay"]?["post"] != nil)
        #expect(document.json?["paths"]?["/api/v1/pay/wechat/notify"]?["post"] != nil)
        let text = String(decoding: document.body, as: UTF8.self)
        for code in [400501, 400502, 400503, 500501, 502501] { #expect(text.contains(String(code)), "\(code)") }
    }
}
