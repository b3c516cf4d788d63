public import Foundation

/// Checks a message WeChat Pay signed (an answer or a notification): the key named by
/// `Wechatpay-Serial`, the signature over `timestamp\nnonce\nbody\n`, and a timestamp
/// within `maxAge` of now, so a captured notification cannot be replayed later.
public struct WeChatPayVerifier: Sendable {
    public let platformKeys: [String: RSAPublicKey]
    public let maxAge: Duration

    public init(platformKeys: [String: RSAPublicKey], maxAge: Duration) {
        self.platformKeys = platformKeys
        self.maxAge = maxAge
    }

    /// The four `Wechatpay-*` header values, as received.
    public struct Headers: Sendable {
        public var timestamp: String?
        public var nonce: String?
        public var signature: String?
        public var serial: String?

        public init(timestamp: String?, nonce: String?, signature: String?, serial: String?) {
            self.timestamp = timestamp
            self.nonce = nonce
            self.signature = signature
            self.serial = serial
        }
    }

    public func verify(_ headers: Headers, body: [UInt8], now: Date = Date()) throws(WeChatPayError) {
        guard let timestamp = headers.timestamp, let nonce = headers.nonce, let signature = headers.signature,
            let serial = headers.serial, !nonce.isEmpty, nonce.utf8.count <= 64
        else { throw WeChatPayError(.badSignature, "a Wechatpay-* header is missing") }
        guard let seconds = Int64(timestamp), timestamp.utf8.count <= 12 else {
            throw WeChatPayError(.staleTimestamp, "timestamp is not a number")
        }
        let age = abs(now.timeIntervalSince1970 - Double(seconds))
        guard age <= Double(maxAge.components.seconds) else { throw WeChatPayError(.staleTimestamp, "timestamp off by \(Int(age)) s") }
        guard let key = platformKeys[serial] else { throw WeChatPayError(.badSignature, "unknown Wechatpay-Serial") }
        guard let signatureBytes = Base64.decode(signature) else { throw WeChatPayError(.badSignature, "signature is not base64") }
        let message = WeChatPaySignature.responseMessage(timestamp: timestamp, nonce: nonce, body: String(decoding: body, as: UTF8.self))
        // The body as bytes, not as re-encoded text: a body that is not UTF-8 does not verify.
        guard String(validating: body, as: UTF8.self) != nil, key.verifySHA256(Array(message.utf8), signature: signatureBytes) else {
            throw WeChatPayError(.badSignature, "signature does not verify")
        }
    }
}
