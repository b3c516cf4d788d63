import CCrypto

/// AEAD_AES_256_GCM as WeChat Pay uses it for notification resources: a 32-byte key
/// (the API v3 key), a nonce (12 characters), associated data, and a ciphertext whose
/// last 16 bytes are the tag.
public enum AESGCM {
    static let tagLength = 16

    /// The plaintext; throws `.decryption` when the tag does not match (a tampered text,
    /// another key, nonce or associated data) or libcrypto fails at any step.
    public static func decrypt(key: [UInt8], nonce: [UInt8], associatedData: [UInt8], sealed: [UInt8]) throws(WeChatPayError) -> [UInt8] {
        guard key.count == 32 else { throw WeChatPayError(.invalidKey, "API v3 key is not 32 bytes") }
        guard !nonce.isEmpty, nonce.count <= 128, sealed.count >= tagLength, sealed.count < Int(Int32.max), associatedData.count < Int(Int32.max)
        else { throw WeChatPayError(.decryption, "bad lengths") }
        var ciphertext = Array(sealed.dropLast(tagLength))
        var tag = Array(sealed.suffix(tagLength))
        return try run(encrypting: false, key: key, nonce: nonce, associatedData: associatedData, input: &ciphertext, tag: &tag)
    }

    /// Ciphertext followed by the 16-byte tag (tests and the stand-in's counterpart).
    public static func encrypt(key: [UInt8], nonce: [UInt8], associatedData: [UInt8], plaintext: [UInt8]) throws(WeChatPayError) -> [UInt8] {
        guard key.count == 32 else { throw WeChatPayError(.invalidKey, "API v3 key is not 32 bytes") }
        guard !nonce.isEmpty, nonce.count <= 128, plaintext.count < Int(Int32.max) else { throw WeChatPayError(.crypto, "bad lengths") }
        var input = plaintext
        var tag = [UInt8](repeating: 0, count: tagLength)
        let sealed = try run(encrypting: true, key: key, nonce: nonce, associatedData: associatedData, input: &input, tag: &tag)
        return sealed + tag
    }

    private static func run(
        encrypting: Bool, key: [UInt8], nonce: [UInt8], associatedData: [UInt8], input: inout [UInt8], tag: inout [UInt8]
    ) throws(WeChatPayError) -> [UInt8] {
        let failure = WeChatPayError(encrypting ? .crypto : .decryption, "AES-256-GCM")
        guard let context = EVP_CIPHER_CTX_new() else { throw failure }
        defer { EVP_CIPHER_CTX_free(context) }
        let encrypt: Int32 = encrypting ? 1 : 0
        var output = [UInt8](repeating: 0, count: input.count + tagLength)
        var written: Int32 = 0
        var finalLength: Int32 = 0
        let ok: Bool = key.withUnsafeBufferPointer { k in
            nonce.withUnsafeBufferPointer { n in
                associatedData.withUnsafeBufferPointer { a in
                    input.withUnsafeBufferPointer { i in
                        tag.withUnsafeMutableBufferPointer { t in
                            output.withUnsafeMutableBufferPointer { o in
                                guard EVP_CipherInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil, encrypt) == 1,
                                    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(n.count), nil) == 1,
                                    EVP_CipherInit_ex(context, nil, nil, k.baseAddress, n.baseAddress, encrypt) == 1
                                else { return false }
                                var ignored: Int32 = 0
                                if a.count > 0, EVP_CipherUpdate(context, nil, &ignored, a.baseAddress, Int32(a.count)) != 1 { return false }
                                if i.count > 0 {
                                    guard EVP_CipherUpdate(context, o.baseAddress, &written, i.baseAddress, Int32(i.count)) == 1 else { return false }
                                }
                                if !encrypting, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), t.baseAddress) != 1 {
                                    return false
                                }
                                guard let end = o.baseAddress?.advanced(by: Int(written)),
                                    EVP_CipherFinal_ex(context, end, &finalLength) == 1
                                else { return false }
                                if encrypting, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), t.baseAddress) != 1 {
                                    return false
                                }
                                return true
                            }
                        }
                    }
                }
            }
        }
        guard ok else {
            ERR_clear_error()
            throw failure
        }
        return Array(output.prefix(Int(written + finalLength)))
    }
}
