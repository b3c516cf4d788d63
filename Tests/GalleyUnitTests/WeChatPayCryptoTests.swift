import Foundation
import Testing
import GalleyCore
@testable import GalleyPayments
import GalleyTestSupport

/// WeChat Pay's signing strings, RSA SHA-256 signatures and AES-256-GCM, checked against
/// vectors another implementation produced (Python `cryptography`, Tests/Fixtures/wechatpay)
/// and against NIST's GCM vectors.
@Suite struct WeChatPayCryptoTests {
    static let fixtures = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/wechatpay")

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    static func vectors() throws -> JSONValue { try JSONParser.parse(try fixture("vectors.json")) }

    private func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8).makeIterator()
        while let a = chars.next(), let b = chars.next() {
            out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) ?? 0)
        }
        return out
    }

    /// The example of WeChat Pay's signature guide: `GET /v3/certificates` at 1554208460.
    @Test func requestSigningStringIsTheDocumentedOne() throws {
        let message = WeChatPaySignature.requestMessage(
            method: "GET", pathAndQuery: "/v3/certificates", timestamp: "1554208460", nonce: "593BEC0C930BF1AFEB40B4A08C8FB242", body: "")
        #expect(message == "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n")
        #expect(message == (try Self.vectors())["request_message"]?.stringValue)
    }

    @Test func clientSigningStrings() {
        #expect(WeChatPaySignature.appMessage(appID: "wx8888888888888888", timestamp: "1414561699", nonce: "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                                              prepayID: "WX1217752501201407033233368018")
                == "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nWX1217752501201407033233368018\n")
        #expect(WeChatPaySignature.jsapiMessage(appID: "wx8888888888888888", timestamp: "1414561699", nonce: "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                                                package: "prepay_id=wx201410272009395522657a690389285100")
                == "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n")
        #expect(WeChatPaySignature.responseMessage(timestamp: "1", nonce: "n", body: "{}") == "1\nn\n{}\n")
        #expect(WeChatPaySignature.authorization(mchID: "1900009191", serialNo: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
                                                 timestamp: "1554208460", nonce: "593BEC0C930BF1AFEB40B4A08C8FB242", signature: "c2ln")
                == #"WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="c2ln",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C""#)
    }

    /// PKCS#1 v1.5 signatures are deterministic: libcrypto must give Python's bytes exactly.
    @Test func signatureEqualsTheOtherImplementations() throws {
        let key = try RSAPrivateKey(pem: try Self.fixture("merchant_private.pem"))
        let vectors = try Self.vectors()
        let message = try #require(vectors["request_message"]?.stringValue)
        #expect(try key.signBase64(message) == vectors["request_signature"]?.stringValue)
        let publicKey = try RSAPublicKey(pem: try Self.fixture("merchant_public.pem"), source: .publicKey)
        let signature = try #require(Base64.decode(try key.signBase64(message)))
        #expect(publicKey.verifySHA256(Array(message.utf8), signature: signature))
        #expect(!publicKey.verifySHA256(Array((message + "x").utf8), signature: signature))
    }

    @Test func verifierAcceptsThePlatformSignatureAndRefusesEverythingElse() throws {
        let vectors = try Self.vectors()
        let platform = try RSAPublicKey(pem: try Self.fixture("platform_public.pem"), source: .publicKey)
        let verifier = WeChatPayVerifier(platformKeys: ["PUB_KEY_ID_1": platform], maxAge: .seconds(300))
        let body = Array(try #require(vectors["response_body"]?.stringValue).utf8)
        let signedAt = Date(timeIntervalSince1970: 1_554_209_980)
        let good = WeChatPayVerifier.Headers(
            timestamp: vectors["response_timestamp"]?.stringValue, nonce: vectors["response_nonce"]?.stringValue,
            signature: vectors["response_signature"]?.stringValue, serial: "PUB_KEY_ID_1")
        try verifier.verify(good, body: body, now: signedAt.addingTimeInterval(100))

        #expect(throws: WeChatPayError(.staleTimestamp)) { try verifier.verify(good, body: body, now: signedAt.addingTimeInterval(301)) }
        #expect(throws: WeChatPayError(.staleTimestamp)) { try verifier.verify(good, body: body, now: signedAt.addingTimeInterval(-301)) }
        var wrongSerial = good
        wrongSerial.serial = "PUB_KEY_ID_2"
        #expect(throws: WeChatPayError(.badSignature)) { try verifier.verify(wrongSerial, body: body, now: signedAt) }
        #expect(throws: WeChatPayError(.badSignature)) { try verifier.verify(good, body: body + [0x20], now: signedAt) }
        var otherNonce = good
        otherNonce.nonce = "c5ac7061fccab6bf3e254dcf98995b8d"
        #expect(throws: WeChatPayError(.badSignature)) { try verifier.verify(otherNonce, body: body, now: signedAt) }
        var missing = good
        missing.signature = nil
        #expect(throws: WeChatPayError(.badSignature)) { try verifier.verify(missing, body: body, now: signedAt) }
        // Signed by the merchant key, not the platform's.
        let merchant = try RSAPrivateKey(pem: try Self.fixture("merchant_private.pem"))
        var forged = good
        forged.signature = try merchant.signBase64(WeChatPaySignature.responseMessage(
            timestamp: good.timestamp ?? "", nonce: good.nonce ?? "", body: String(decoding: body, as: UTF8.self)))
        #expect(throws: WeChatPayError(.badSignature)) { try verifier.verify(forged, body: body, now: signedAt) }
    }

    @Test func decryptsWhatPythonEncrypted() throws {
        let vectors = try Self.vectors()
        let ciphertext = try #require(vectors["aes_ciphertext"]?.stringValue)
        let plaintext = try AESGCM.decrypt(
            key: Array(try #require(vectors["aes_key"]?.stringValue).utf8),
            nonce: Array(try #require(vectors["aes_nonce"]?.stringValue).utf8),
            associatedData: Array(try #require(vectors["aes_associated_data"]?.stringValue).utf8),
            sealed: try #require(Base64.decode(ciphertext)))
        #expect(String(decoding: plaintext, as: UTF8.self) == vectors["aes_plaintext"]?.stringValue)
    }

    @Test func decryptionRefusesTamperingAndOtherKeys() throws {
        let vectors = try Self.vectors()
        let key = Array(try #require(vectors["aes_key"]?.stringValue).utf8)
        let nonce = Array(try #require(vectors["aes_nonce"]?.stringValue).utf8)
        let ciphertext = try #require(vectors["aes_ciphertext"]?.stringValue)
        var sealed = try #require(Base64.decode(ciphertext))
        #expect(throws: WeChatPayError(.decryption)) {
            try AESGCM.decrypt(key: key, nonce: nonce, associatedData: Array("refund".utf8), sealed: sealed)
        }
        var otherKey = key
        otherKey[0] ^= 1
        #expect(throws: WeChatPayError(.decryption)) {
            try AESGCM.decrypt(key: otherKey, nonce: nonce, associatedData: Array("transaction".utf8), sealed: sealed)
        }
        sealed[3] ^= 0x40
        #expect(throws: WeChatPayError(.decryption)) {
            try AESGCM.decrypt(key: key, nonce: nonce, associatedData: Array("transaction".utf8), sealed: sealed)
        }
        #expect(throws: WeChatPayError(.invalidKey)) { try AESGCM.decrypt(key: [1, 2, 3], nonce: nonce, associatedData: [], sealed: sealed) }
        #expect(throws: WeChatPayError(.decryption)) { try AESGCM.decrypt(key: key, nonce: nonce, associatedData: [], sealed: [1, 2]) }
    }

    /// NIST GCM spec test cases 13 and 14 (AES-256, zero key and IV).
    @Test func nistVectors() throws {
        let key = [UInt8](repeating: 0, count: 32)
        let nonce = [UInt8](repeating: 0, count: 12)
        #expect(try AESGCM.encrypt(key: key, nonce: nonce, associatedData: [], plaintext: []) == hex("530f8afbc74536b9a963b4f1c4cb738b"))
        let sealed = try AESGCM.encrypt(key: key, nonce: nonce, associatedData: [], plaintext: [UInt8](repeating: 0, count: 16))
        #expect(sealed == hex("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919"))
        #expect(try AESGCM.decrypt(key: key, nonce: nonce, associatedData: [], sealed: sealed) == [UInt8](repeating: 0, count: 16))
    }

    @Test func keysThatAreNotRSA2048AreRefused() throws {
        #expect(throws: WeChatPayError(.invalidKey)) { try RSAPrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: WeChatPayError(.invalidKey)) { try RSAPrivateKey(pem: "") }
        // A public key is not a private key, and a private key file is not a certificate.
        #expect(throws: WeChatPayError(.invalidKey)) { try RSAPrivateKey(pem: try Self.fixture("platform_public.pem")) }
        #expect(throws: WeChatPayError(.invalidKey)) {
            try RSAPublicKey(pem: try Self.fixture("platform_private.pem"), source: .certificate)
        }
    }

    @Test func notificationEnvelopeParsesAndDecrypts() throws {
        let key = Array("0123456789abcdef0123456789abcdef".utf8)
        let sealed = try AESGCM.encrypt(key: key, nonce: Array("abcdefabcdef".utf8), associatedData: Array("transaction".utf8),
                                        plaintext: Array(#"{"out_trade_no":"G1"}"#.utf8))
        let body = #"{"id":"n-1","event_type":"TRANSACTION.SUCCESS","resource_type":"encrypt-resource","resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":""# + Base64.encode(sealed) + #"","associated_data":"transaction","nonce":"abcdefabcdef","original_type":"transaction"}}"#
        let notification = try WeChatPayNotification(body: Array(body.utf8))
        #expect(notification.id == "n-1")
        #expect(notification.eventType == "TRANSACTION.SUCCESS")
        #expect(try notification.decryptResource(apiV3Key: key)["out_trade_no"]?.stringValue == "G1")
        #expect(throws: WeChatPayError(.invalidMessage)) { try WeChatPayNotification(body: Array("[]".utf8)) }
        #expect(throws: WeChatPayError(.invalidMessage)) {
            try WeChatPayNotification(body: Array(body.replacingOccurrences(of: "AEAD_AES_256_GCM", with: "AES_CBC").utf8))
        }
    }

    @Test func clientParametersVerifyWithTheMerchantPublicKey() throws {
        let client = try WeChatPayTestKeys.client(baseURL: "http://127.0.0.1:9")
        let publicKey = try RSAPublicKey(pem: try Self.fixture("merchant_public.pem"), source: .publicKey)
        let app = try client.clientParameters(tradeType: .app, prepayID: "wx123", now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(app["package"]?.stringValue == "Sign=WXPay")
        #expect(app["timestamp"]?.stringValue == "1700000000")
        let appMessage = WeChatPaySignature.appMessage(appID: "wxd678efh567hg6787", timestamp: "1700000000",
                                                       nonce: app["noncestr"]?.stringValue ?? "", prepayID: "wx123")
        #expect(publicKey.verifySHA256(Array(appMessage.utf8), signature: Base64.decode(app["sign"]?.stringValue ?? "") ?? []))
        let jsapi = try client.clientParameters(tradeType: .jsapi, prepayID: "wx123", now: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(jsapi["package"]?.stringValue == "prepay_id=wx123")
        #expect(jsapi["signType"]?.stringValue == "RSA")
        let jsMessage = WeChatPaySignature.jsapiMessage(appID: "wxd678efh567hg6787", timestamp: "1700000000",
                                                        nonce: jsapi["nonceStr"]?.stringValue ?? "", package: "prepay_id=wx123")
        #expect(publicKey.verifySHA256(Array(jsMessage.utf8), signature: Base64.decode(jsapi["paySign"]?.stringValue ?? "") ?? []))
    }

    @Test func errorsNeverCarryDetailInTheirDescription() {
        let error = WeChatPayError(.badSignature, "secret detail")
        #expect(!error.description.contains("secret"))
        #expect(error.debugDescription.contains("secret detail"))
    }
}
