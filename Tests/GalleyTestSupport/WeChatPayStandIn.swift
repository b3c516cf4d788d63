import Foundation
import GalleyCore

/// The loopback WeChat Pay v3 stand-in (`standins/wechatpay/wechatpay_standin.py`, run by
/// `scripts/standins wechatpay`; Python `cryptography` does its RSA and AES-GCM) on a free
/// port, with its keys in a directory of its own: the merchant key pair it made for this
/// run and its platform public key (id ``publicKeyID``).
package final class WeChatPayStandIn: Sendable {
    package static let publicKeyID = "PUB_KEY_ID_0119000091912025120200000000000001"

    package let directory: String
    private let process: StandInProcess
    package var port: Int { process.port }
    package var logPath: String { process.logPath }

    package var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(directory: String, process: StandInProcess) {
        self.directory = directory
        self.process = process
    }

    package static func start() async throws -> WeChatPayStandIn {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("wechatpay")).path
        let process = try await StandInProcess.start("wechatpay", arguments: [
            "--dir", directory, "--mchid", WeChatPayTestKeys.mchID, "--appid", WeChatPayTestKeys.appID,
            "--api-v3-key", WeChatPayTestKeys.apiV3Key, "--merchant-serial", WeChatPayTestKeys.merchantSerial,
        ], logPath: directory + ".log")
        return WeChatPayStandIn(directory: directory, process: process)
    }

    /// The `WECHATPAY_*` environment of a Galley process paying through this stand-in.
    package func environment(notifyURL: String = "http://127.0.0.1:9/api/v1/pay/wechat/notify") -> [String: String] {
        [
            "WECHATPAY_MCHID": WeChatPayTestKeys.mchID, "WECHATPAY_APPID": WeChatPayTestKeys.appID,
            "WECHATPAY_API_V3_KEY": WeChatPayTestKeys.apiV3Key, "WECHATPAY_MERCHANT_SERIAL_NO": WeChatPayTestKeys.merchantSerial,
            "WECHATPAY_PRIVATE_KEY_PATH": directory + "/merchant_private.pem",
            "WECHATPAY_PLATFORM_PUBLIC_KEY_PATH": directory + "/platform_public.pem",
            "WECHATPAY_PLATFORM_PUBLIC_KEY_ID": Self.publicKeyID,
            "WECHATPAY_NOTIFY_URL": notifyURL, "WECHATPAY_BASE_URL": baseURL,
        ]
    }

    /// A `/_standin/...` control call; answers its JSON.
    @discardableResult
    package func control(_ path: String, _ body: JSONValue = [:]) async throws -> JSONValue {
        let port = self.port
        let answer = try await onThread {
            try GatewayHTTPClient.request(port: port, method: path == "/_standin/requests" ? "GET" : "POST", path: path,
                                          headers: [("Content-Type", "application/json")], body: JSONWriter.bytes(body), timeoutSeconds: 60)
        }
        guard answer.status == 200, let json = answer.json else {
            throw StandInFailure(description: "\(path) answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
        }
        return json
    }

    package func logTail(_ bytes: Int = 3000) -> String { process.logTail(bytes) }

    package func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
