public import Foundation
import GalleyCore

/// AWS Signature Version 4 for S3 and S3-compatible stores (Alibaba OSS, MinIO),
/// written against the spec with libcrypto's HMAC so the project needs no SDK.
///
/// Paths and query values are given decoded; the signer encodes them once, the way
/// the canonical request wants, and builds the URL from the same encoding.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String

    /// S3's payload hash for presigned URLs and bodies the signature does not cover.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    public init(accessKeyID: String, secretAccessKey: String, region: String = "us-east-1", service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// A presigned URL (query authentication, `UNSIGNED-PAYLOAD`).
    ///
    /// - Parameters:
    ///   - host: the `Host` header value, with `:port` when the port is not the scheme's default.
    ///   - path: the decoded absolute path (`/bucket/key`).
    ///   - query: decoded query parameters besides the `X-Amz-*` ones.
    ///   - headers: headers the request must carry besides `host` (e.g. `Content-Type`);
    ///     they are signed, so the client must send them unchanged.
    public func presign(
        method: String, scheme: String, host: String, path: String,
        query: [(String, String)] = [], headers: [String: String] = [:],
        expiresIn: Int, date: Date
    ) -> String {
        let stamp = SigV4Signer.timestamp(date)
        let scope = credentialScope(day: stamp.day)
        let canonicalHeaders = SigV4Signer.canonicalHeaders(headers, host: host)
        var parameters = query
        parameters.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        parameters.append(("X-Amz-Credential", "\(accessKeyID)/\(scope)"))
        parameters.append(("X-Amz-Date", stamp.full))
        parameters.append(("X-Amz-Expires", String(expiresIn)))
        parameters.append(("X-Amz-SignedHeaders", canonicalHeaders.signed))
        let canonicalQuery = SigV4Signer.canonicalQuery(parameters)
        let canonicalPath = SigV4Signer.uriEncode(path, keepSlash: true)
        let request = [method, canonicalPath, canonicalQuery, canonicalHeaders.text, canonicalHeaders.signed,
                       SigV4Signer.unsignedPayload].joined(separator: "\n")
        let signature = sign(canonicalRequest: request, stamp: stamp, scope: scope)
        return "\(scheme)://\(host)\(canonicalPath)?\(canonicalQuery)&X-Amz-Signature=\(signature)"
    }

    /// The headers that authenticate a request in the `Authorization` header:
    /// `Authorization`, `x-amz-date` and `x-amz-content-sha256` (add them to `headers`
    /// when sending). `payloadHash` is the hex SHA-256 of the body, or ``unsignedPayload``.
    public func authorizationHeaders(
        method: String, host: String, path: String, query: [(String, String)] = [],
        headers: [String: String] = [:], payloadHash: String, date: Date
    ) -> [String: String] {
        let stamp = SigV4Signer.timestamp(date)
        let scope = credentialScope(day: stamp.day)
        var all = headers
        all["x-amz-date"] = stamp.full
        all["x-amz-content-sha256"] = payloadHash
        let canonicalHeaders = SigV4Signer.canonicalHeaders(all, host: host)
        let request = [method, SigV4Signer.uriEncode(path, keepSlash: true), SigV4Signer.canonicalQuery(query),
                       canonicalHeaders.text, canonicalHeaders.signed, payloadHash].joined(separator: "\n")
        let signature = sign(canonicalRequest: request, stamp: stamp, scope: scope)
        return [
            "Authorization": "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope),"
                + "SignedHeaders=\(canonicalHeaders.signed),Signature=\(signature)",
            "x-amz-date": stamp.full,
            "x-amz-content-sha256": payloadHash,
        ]
    }

    /// Everything except the unreserved `A-Z a-z 0-9 - _ . ~` becomes `%XX` (uppercase hex)
    /// of its UTF-8 bytes; `/` stays as is in paths.
    public static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Canonical request pieces

    private func credentialScope(day: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }

    private func sign(canonicalRequest: String, stamp: (full: String, day: String), scope: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", stamp.full, scope, Crypto.hex(Crypto.sha256(canonicalRequest))]
            .joined(separator: "\n")
        return Crypto.hex(Crypto.hmacSHA256(key: signingKey(day: stamp.day), data: stringToSign))
    }

    /// The day's derived key (`AWS4<secret>` → date → region → service → `aws4_request`).
    func signingKey(day: String) -> [UInt8] {
        var key = Crypto.hmacSHA256(key: Array("AWS4\(secretAccessKey)".utf8), data: day)
        key = Crypto.hmacSHA256(key: key, data: region)
        key = Crypto.hmacSHA256(key: key, data: service)
        return Crypto.hmacSHA256(key: key, data: "aws4_request")
    }

    /// The scope a credential names: `<day>/<region>/<service>/aws4_request`.
    func scope(day: String) -> String { credentialScope(day: day) }

    /// Parameters encoded, then sorted by name and value, as `a=1&b=2`.
    /// Sorting is by byte value, as the spec asks (encoded text is ASCII).
    static func canonicalQuery(_ parameters: [(String, String)]) -> String {
        var encoded: [(name: [UInt8], value: [UInt8])] = []
        for (name, value) in parameters {
            encoded.append((Array(uriEncode(name, keepSlash: false).utf8), Array(uriEncode(value, keepSlash: false).utf8)))
        }
        encoded.sort { a, b in
            a.name == b.name ? a.value.lexicographicallyPrecedes(b.value) : a.name.lexicographicallyPrecedes(b.name)
        }
        var out: [UInt8] = []
        for (index, pair) in encoded.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out += pair.name
            out.append(UInt8(ascii: "="))
            out += pair.value
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase names sorted, values trimmed with inner runs of spaces collapsed; `host`
    /// always included. Returns the `name:value\n` block and the `;`-joined names.
    static func canonicalHeaders(_ headers: [String: String], host: String) -> (text: String, signed: String) {
        var merged: [String: String] = ["host": host]
        for (name, value) in headers {
            let lower = name.lowercased()
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[lower] = merged[lower].map { $0 + "," + trimmed } ?? trimmed
            if lower == "host" { merged[lower] = trimmed }
        }
        let names = merged.keys.sorted()
        let text = names.map { "\($0):\(merged[$0] ?? "")\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    /// `yyyyMMdd'T'HHmmss'Z'` and `yyyyMMdd` in UTC.
    static func timestamp(_ date: Date) -> (full: String, day: String) {
        var seconds = time_t(Int64(date.timeIntervalSince1970.rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let s = String(value)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        let day = pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
        return (day + "T" + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z", day)
    }
}
