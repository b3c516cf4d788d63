import CCrypto

/// The hashing and randomness Galley needs, from OpenSSL's libcrypto: HMAC-SHA256 for
/// JWTs and storage signatures, SHA-256 for request hashes and SigV4, CSPRNG bytes.
public enum Crypto {
    /// Set only by tests (inside `withValue`): makes every libcrypto call below fail, so
    /// the failure paths are exercised without breaking OpenSSL. A task-local, so it
    /// cannot leak into a concurrent test.
    @TaskLocal package static var injectFailure = false

    /// HMAC-SHA256 of `data` under `key` (32 bytes), or empty when libcrypto failed.
    /// Empty fails closed: ``constantTimeEquals(_:_:)-([UInt8],[UInt8])`` never accepts
    /// an empty value, so a failed HMAC can neither verify nor sign anything usable.
    public static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                injectFailure ? nil : HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &length)
            }
        }
        guard result != nil, length == UInt32(SHA256_DIGEST_LENGTH) else { return [] }
        return Array(out.prefix(Int(length)))
    }

    public static func hmacSHA256(key: [UInt8], data: String) -> [UInt8] {
        hmacSHA256(key: key, data: Array(data.utf8))
    }

    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let result = data.withUnsafeBufferPointer { d in injectFailure ? nil : SHA256(d.baseAddress, d.count, &out) }
        // A failed digest must not be a constant that equals every other failed digest
        // (two request bodies would then "match"): random bytes match nothing.
        return result == nil ? randomBytes(out.count) : out
    }

    public static func sha256(_ string: String) -> [UInt8] { sha256(Array(string.utf8)) }

    /// `count` bytes from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        if injectFailure || RAND_bytes(&out, Int32(count)) != 1 {
            // RAND_bytes fails only when the OS entropy source is broken; the system
            // generator is the safe fallback rather than returning zeros.
            var generator = SystemRandomNumberGenerator()
            for index in out.indices { out[index] = UInt8.random(in: 0...255, using: &generator) }
        }
        return out
    }

    /// Compares in time that depends only on the lengths, so a secret cannot be
    /// guessed byte by byte from response times.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // Empty never matches: it is what a failed HMAC gives, and an empty secret is none.
        guard a.count == b.count, !a.isEmpty else { return false }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }

    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex, as SigV4 and request hashes want it.
    public static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
