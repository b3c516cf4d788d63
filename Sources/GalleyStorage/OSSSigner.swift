public import Foundation
import GalleyCore

/// Aliyun OSS's V1 signature, the one the `oss2` SDK's default `oss2.Auth` computes
/// (the original PicKitchen backend signs with it): base64 HMAC-SHA1 of
/// `VERB\nContent-MD5\nContent-Type\nDate\n<x-oss-* headers><resource>`.
///
/// Header-signed requests carry `Authorization: OSS <AccessKeyId>:<signature>` and a
/// `Date`; presigned URLs put the expiry (unix seconds) where the date goes and carry
/// `OSSAccessKeyId`, `Expires` and `Signature` in the query.
public struct OSSSigner: Sendable {
    public var accessKeyID: String
    public var accessKeySecret: String

    public init(accessKeyID: String, accessKeySecret: String) {
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
    }

    /// The text the signature covers. `headers` are the request's headers (any case):
    /// `Content-MD5` and `Content-Type` fill their lines, every `x-oss-*` header is
    /// lowercased, sorted and listed as `name:value\n` before `resource`.
    public static func stringToSign(method: String, headers: [String: String], date: String, resource: String) -> String {
        var contentMD5 = ""
        var contentType = ""
        var ossHeaders: [(name: String, value: String)] = []
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower == "content-md5" { contentMD5 = value }
            if lower == "content-type" { contentType = value }
            if lower.hasPrefix("x-oss-") { ossHeaders.append((lower, value)) }
        }
        ossHeaders.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        let canonicalHeaders = ossHeaders.map { "\($0.name):\($0.value)\n" }.joined()
        return [method, contentMD5, contentType, date, canonicalHeaders + resource].joined(separator: "\n")
    }

    /// `/<bucket>/<key>`, the key unencoded (Galley's keys need no sub-resources).
    public static func resource(bucket: String, key: String) -> String { "/\(bucket)/\(key)" }

    /// Base64 of HMAC-SHA1(secret, `stringToSign`).
    public func signature(_ stringToSign: String) throws(StorageError) -> String {
        guard let mac = Crypto.hmacSHA1(key: Array(accessKeySecret.utf8), data: Array(stringToSign.utf8)) else {
            throw .invalidArgument("HMAC-SHA1 failed in libcrypto")
        }
        return Data(mac).base64EncodedString()
    }

    /// `OSS <AccessKeyId>:<signature>` for a request sent with `Date: date`.
    public func authorization(method: String, bucket: String, key: String, headers: [String: String],
                              date: String) throws(StorageError) -> String {
        let text = OSSSigner.stringToSign(method: method, headers: headers, date: date,
                                          resource: OSSSigner.resource(bucket: bucket, key: key))
        return "OSS \(accessKeyID):\(try signature(text))"
    }

    /// The query that authenticates a presigned request valid until `expires` (unix
    /// seconds), in oss2's order: `OSSAccessKeyId`, `Expires`, `Signature` (values
    /// unencoded). `headers` are those the client must send as given.
    public func presignedQuery(method: String, bucket: String, key: String, headers: [String: String],
                               expires: Int64) throws(StorageError) -> [(String, String)] {
        let text = OSSSigner.stringToSign(method: method, headers: headers, date: String(expires),
                                          resource: OSSSigner.resource(bucket: bucket, key: key))
        return [("OSSAccessKeyId", accessKeyID), ("Expires", String(expires)), ("Signature", try signature(text))]
    }

    /// RFC 1123 in GMT (`Tue, 01 Dec 2026 21:34:07 GMT`), the `Date` OSS expects.
    public static func httpDate(_ date: Date) -> String {
        var seconds = time_t(Int64(date.timeIntervalSince1970.rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(days[Int(parts.tm_wday) % 7]), \(pad(parts.tm_mday)) \(months[Int(parts.tm_mon) % 12]) "
            + "\(parts.tm_year + 1900) \(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)) GMT"
    }
}
