import Foundation
import GalleyCore
import GalleyPayments

/// The test merchant and platform keys of Tests/Fixtures/wechatpay (test-only keys, made
/// for this repository), and a client or notification built from them.
package enum WeChatPayTestKeys {
    package static let mchID = "1900009191"
    package static let appID = "wxd678efh567hg6787"
    package static let apiV3Key = "0123456789abcdef0123456789abcdef"
    package static let merchantSerial = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
    package static let platformKeyID = "PUB_KEY_ID_TEST_PLATFORM"

    package static var directory: URL { TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/wechatpay") }

    package static func pem(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    package static func configuration(baseURL: String, notifyURL: String = "https://example.com/api/v1/pay/wechat/notify")
        throws -> WeChatPayConfiguration
    {
        WeChatPayConfiguration(
            mchID: mchID, appID: appID, apiV3Key: Array(apiV3Key.utf8), merchantSerialNo: merchantSerial,
            privateKey: try RSAPrivateKey(pem: try pem("merchant_private.pem")),
            platformKeys: [platformKeyID: try RSAPublicKey(pem: try pem("platform_public.pem"), source: .publicKey)],
            notifyURL: notifyURL, baseURL: baseURL)
    }

    package static func client(baseURL: String) throws -> WeChatPayClient {
        WeChatPayClient(configuration: try configuration(baseURL: baseURL))
    }

    /// A notification as WeChat Pay sends it: `resource` encrypted with the API v3 key, the
    /// body signed with the test platform key. Answers the body and the four headers.
    package static func notification(id: String, eventType: String, resource: JSONValue, timestamp: Date = Date(),
                                     signingKey: String = "platform_private.pem", serial: String = platformKeyID)
        throws -> (body: [UInt8], headers: [(String, String)])
    {
        let nonce = Crypto.hex(Crypto.randomBytes(6))
        let associated = eventType.hasPrefix("REFUND") ? "refund" : "transaction"
        let sealed = try AESGCM.encrypt(key: Array(apiV3Key.utf8), nonce: Array(nonce.utf8), associatedData: Array(associated.utf8),
                                        plaintext: JSONWriter.bytes(resource))
        let envelope: JSONValue = [
            "id": .string(id), "create_time": "2026-12-02T10:00:00+08:00", "resource_type": "encrypt-resource",
            "event_type": .string(eventType), "summary": "test",
            "resource": ["original_type": .string(associated), "algorithm": "AEAD_AES_256_GCM", "ciphertext": .string(Base64.encode(sealed)),
                         "associated_data": .string(associated), "nonce": .string(nonce)],
        ]
        let body = JSONWriter.string(envelope)
        let stamp = String(Int64(timestamp.timeIntervalSince1970))
        let headerNonce = Crypto.hex(Crypto.randomBytes(16))
        let signature = try RSAPrivateKey(pem: try pem(signingKey))
            .signBase64(WeChatPaySignature.responseMessage(timestamp: stamp, nonce: headerNonce, body: body))
        return (Array(body.utf8), [("Wechatpay-Timestamp", stamp), ("Wechatpay-Nonce", headerNonce), ("Wechatpay-Signature", signature),
                                   ("Wechatpay-Serial", serial), ("Content-Type", "application/json")])
    }
}
