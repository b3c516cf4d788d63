import Foundation
import GalleyCore

/// The loopback WeChat Pay v3 stand-in (`standins/wechatpay/wechatpay_standin.py`, run by
/// `scripts/standins wechatpay`; Python `cryptography` does its RSA and AES-GCM) on a free
/// port, with its keys in a directory of its own: the merchant key pair it made for this
/// run and its platform public key (id ``publicKeyID``).
package final class WeChatPayStandIn: Sendable {
    package static let publicKeyID = "PUB_KEY_ID_0119000091912025120200000000000001"

    package let port: Int
    package let directory: String
    package let logPath: String
    private let process: Process

    package var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, directory: String, logPath: String, process: Process) {
        self.port = port
        self.directory = directory
        self.logPath = logPath
        self.process = process
    }

    package static func start() async throws -> WeChatPayStandIn {
        let port = try GatewayProcess.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("wechatpay")).path
        let logPath = directory + ".log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            TestEnvironment.repositoryRoot.appendingPathComponent("scripts/standins").path, "wechatpay",
            "--port", String(port), "--dir", directory, "--mchid", WeChatPayTestKeys.mchID, "--appid", WeChatPayTestKeys.appID,
            "--api-v3-key", WeChatPayTestKeys.apiV3Key, "--merchant-serial", WeChatPayTestKeys.merchantSerial,
        ]
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let standIn = WeChatPayStandIn(port: port, directory: directory, logPath: logPath, process: process)
        // The first run may create the venv (pip install): allow a few minutes.
        let ready = try await onThread { () -> Bool in
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline && process.isRunning {
                if let answer = try? GatewayHTTPClient.request(port: port, method: "GET", path: "/_standin/health", timeoutSeconds: 2),
                   answer.status == 200 { return true }
                usleep(100_000)
            }
            return false
        }
        guard ready else {
            await standIn.stop()
            throw StandInFailure(description: "WeChat Pay stand-in did not start: \(standIn.logTail())")
        }
        return standIn
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

    package func logTail(_ bytes: Int = 3000) -> String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(bytes))
    }

    package func stop() async {
        let process = self.process
        if process.isRunning { process.terminate() }
        _ = try? await onThread { () -> Void in
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { usleep(20_000) }
        }
        try? FileManager.default.removeItem(atPath: logPath)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
