import CCrypto

extension Crypto {
    /// HMAC-SHA1 of `data` under `key` (20 bytes), the MAC of Aliyun OSS's V1 signatures;
    /// nil when libcrypto reports a failure, so a caller never signs with a zeroed buffer.
    public static func hmacSHA1(key: [UInt8], data: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard let digest = EVP_sha1() else { return nil }
        let result = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                HMAC(digest, k.baseAddress, Int32(k.count), d.baseAddress, d.count, &out, &length)
            }
        }
        guard result != nil, length == 20 else { return nil }
        return Array(out.prefix(Int(length)))
    }
}
