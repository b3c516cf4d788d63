import Foundation
import GalleyCore

/// S3's browser-based upload (POST policy, SigV4): the form fields a client posts with
/// the file, so the store itself enforces the key, the type and a `content-length-range`.
extension SigV4Signer {
    func postPolicyFields(bucket: String, key: String, contentType: String, lengthRange: ClosedRange<Int>,
                          expiresAt: Date, date: Date) -> [String: String] {
        let stamp = SigV4Signer.timestamp(date)
        let credential = "\(accessKeyID)/\(scope(day: stamp.day))"
        let conditions: [JSONValue] = [
            .object(["bucket": .string(bucket)]),
            .object(["key": .string(key)]),
            .object(["Content-Type": .string(contentType)]),
            .array([.string("content-length-range"), .int(Int64(lengthRange.lowerBound)), .int(Int64(lengthRange.upperBound))]),
            .object(["x-amz-algorithm": .string("AWS4-HMAC-SHA256")]),
            .object(["x-amz-credential": .string(credential)]),
            .object(["x-amz-date": .string(stamp.full)]),
        ]
        let policy: JSONValue = .object([
            "expiration": .string(SigV4Signer.iso8601(expiresAt)),
            "conditions": .array(conditions),
        ])
        let encoded = Data(JSONWriter.string(policy).utf8).base64EncodedString()
        let signature = Crypto.hex(Crypto.hmacSHA256(key: signingKey(day: stamp.day), data: encoded))
        return [
            "key": key, "Content-Type": contentType, "policy": encoded,
            "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential,
            "x-amz-date": stamp.full, "x-amz-signature": signature,
        ]
    }

    /// `2026-12-01T23:10:00.000Z`, the policy's expiration format.
    static func iso8601(_ date: Date) -> String {
        let stamp = timestamp(date).full  // yyyyMMddTHHmmssZ
        let c = Array(stamp)
        guard c.count == 16 else { return stamp }
        return "\(String(c[0..<4]))-\(String(c[4..<6]))-\(String(c[6..<8]))T\(String(c[9..<11])):\(String(c[11..<13])):\(String(c[13..<15])).000Z"
    }
}
