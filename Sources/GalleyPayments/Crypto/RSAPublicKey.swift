import CCrypto

/// WeChat Pay's platform key, from its platform certificate or from the platform public
/// key it publishes: verifies the `Wechatpay-Signature` of notifications and answers.
public struct RSAPublicKey: Sendable {
    public enum Source: Sendable { case certificate, publicKey }
    private let pem: [UInt8]
    private let source: Source

    public init(pem: String, source: Source) throws(WeChatPayError) {
        self.pem = Array(pem.utf8)
        self.source = source
        try OpenSSLKey.check(pem: self.pem, kind: source == .certificate ? .certificate : .publicKey)
    }

    private var kind: OpenSSLKey.Kind { source == .certificate ? .certificate : .publicKey }

    /// The certificate's serial number (upper-case hex); nil for a bare public key.
    public func certificateSerial() throws(WeChatPayError) -> String? {
        source == .certificate ? try OpenSSLKey.certificateSerial(pem: pem) : nil
    }

    /// True only when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of
    /// `message`; any libcrypto failure counts as not valid.
    public func verifySHA256(_ message: [UInt8], signature: [UInt8]) -> Bool {
        guard !signature.isEmpty else { return false }
        let valid = try? OpenSSLKey.with(pem: pem, kind: kind) { key throws(WeChatPayError) -> Bool in
            guard let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else {
                ERR_clear_error()
                return false
            }
            let result = message.withUnsafeBufferPointer { m in
                signature.withUnsafeBufferPointer { s in EVP_DigestVerify(context, s.baseAddress, s.count, m.baseAddress, m.count) }
            }
            if result != 1 { ERR_clear_error() }
            return result == 1
        }
        return valid ?? false
    }
}
