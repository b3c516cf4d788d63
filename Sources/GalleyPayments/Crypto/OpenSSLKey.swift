import CCrypto

/// Reads PEM text through a libcrypto memory BIO. Keys stay plain `Sendable` byte arrays
/// and are parsed for each use, so no C handle outlives a call (a payment signs a few
/// strings, where parsing costs microseconds).
enum OpenSSLKey {
    /// What a PEM text holds.
    enum Kind: Sendable {
        case privateKey, publicKey, certificate

        func read(_ bio: OpaquePointer) -> OpaquePointer? {
            switch self {
            case .privateKey: OpenSSLKey.readPrivate(bio)
            case .publicKey: OpenSSLKey.readPublic(bio)
            case .certificate: OpenSSLKey.readCertificateKey(bio)
            }
        }
    }

    /// Parses `pem` and checks it is an RSA key of at least 2048 bits.
    static func check(pem: [UInt8], kind: Kind) throws(WeChatPayError) {
        try with(pem: pem, kind: kind) { _ throws(WeChatPayError) -> Bool in true }
    }

    /// Runs `body` with the EVP_PKEY parsed from `pem`, freeing both after.
    @discardableResult
    static func with<T>(
        pem: [UInt8], kind: Kind, _ body: (OpaquePointer) throws(WeChatPayError) -> T
    ) throws(WeChatPayError) -> T {
        guard !pem.isEmpty, pem.count < Int(Int32.max) else { throw WeChatPayError(.invalidKey, "empty PEM") }
        let key: OpaquePointer? = pem.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return kind.read(bio)
        }
        guard let key else {
            ERR_clear_error()
            throw WeChatPayError(.invalidKey, "PEM did not parse")
        }
        defer { EVP_PKEY_free(key) }
        // WeChat Pay's merchant and platform keys are RSA 2048 (SHA256-RSA2048).
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA, EVP_PKEY_get_bits(key) >= 2048 else {
            throw WeChatPayError(.invalidKey, "not an RSA key of at least 2048 bits")
        }
        return try body(key)
    }

    /// A private key (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE KEY`).
    static func readPrivate(_ bio: OpaquePointer) -> OpaquePointer? {
        PEM_read_bio_PrivateKey(bio, nil, nil, nil)
    }

    /// A `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo), as WeChat Pay's platform public key is published.
    static func readPublic(_ bio: OpaquePointer) -> OpaquePointer? {
        PEM_read_bio_PUBKEY(bio, nil, nil, nil)
    }

    /// The public key of a `BEGIN CERTIFICATE` (a WeChat Pay platform certificate).
    static func readCertificateKey(_ bio: OpaquePointer) -> OpaquePointer? {
        guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
        defer { X509_free(certificate) }
        return X509_get_pubkey(certificate)
    }

    /// A certificate's serial number in upper-case hex, as `Wechatpay-Serial` names it.
    static func certificateSerial(pem: [UInt8]) throws(WeChatPayError) -> String {
        let serial: String? = pem.withUnsafeBytes { raw -> String? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
            defer { X509_free(certificate) }
            guard let number = X509_get_serialNumber(certificate), let bignum = ASN1_INTEGER_to_BN(number, nil) else { return nil }
            defer { BN_free(bignum) }
            guard let hex = BN_bn2hex(bignum) else { return nil }
            defer { CRYPTO_free(hex, nil, 0) }
            return String(cString: hex).uppercased()
        }
        guard let serial else {
            ERR_clear_error()
            throw WeChatPayError(.invalidKey, "certificate did not parse")
        }
        return serial
    }
}
