import CCrypto

/// The merchant's API private key: signs requests (`SHA256-RSA2048`) and the parameters
/// the app and mini-program SDKs check. Parsed once at creation, so a bad key stops the
/// process at start rather than at the first payment.
public struct RSAPrivateKey: Sendable {
    private let pem: [UInt8]

    public init(pem: String) throws(WeChatPayError) {
        self.pem = Array(pem.utf8)
        try OpenSSLKey.check(pem: self.pem, kind: .privateKey)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (256 bytes for a 2048-bit key).
    public func signSHA256(_ message: [UInt8]) throws(WeChatPayError) -> [UInt8] {
        try OpenSSLKey.with(pem: pem, kind: .privateKey) { key throws(WeChatPayError) -> [UInt8] in
            guard let context = EVP_MD_CTX_new() else { throw WeChatPayError(.crypto, "EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(context) }
            guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
                ERR_clear_error()
                throw WeChatPayError(.crypto, "EVP_DigestSignInit")
            }
            var length = 0
            let sized = message.withUnsafeBufferPointer { m in EVP_DigestSign(context, nil, &length, m.baseAddress, m.count) }
            guard sized == 1, length > 0 else {
                ERR_clear_error()
                throw WeChatPayError(.crypto, "EVP_DigestSign (size)")
            }
            var signature = [UInt8](repeating: 0, count: length)
            let signed = message.withUnsafeBufferPointer { m in
                signature.withUnsafeMutableBufferPointer { s in EVP_DigestSign(context, s.baseAddress, &length, m.baseAddress, m.count) }
            }
            guard signed == 1, length > 0, length <= signature.count else {
                ERR_clear_error()
                throw WeChatPayError(.crypto, "EVP_DigestSign")
            }
            return Array(signature.prefix(length))
        }
    }

    /// Base64 of ``signSHA256(_:)`` over the UTF-8 of `text`: the `signature` / `sign` / `paySign` values.
    public func signBase64(_ text: String) throws(WeChatPayError) -> String {
        Base64.encode(try signSHA256(Array(text.utf8)))
    }
}
