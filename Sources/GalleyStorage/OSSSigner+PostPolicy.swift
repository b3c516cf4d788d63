import Foundation
import GalleyCore

/// OSS's browser upload (PostObject) with a V1-signed policy: the form fields a client
/// posts before the file, so OSS itself enforces the key, the type, the ACL and a
/// `content-length-range`. A V1 presigned `PUT` cannot bind the size (its signature has
/// no line for `Content-Length`); the policy can, and OSS refuses a file outside the range.
extension OSSSigner {
    /// The policy's conditions, its base64 text and `Signature` = base64 HMAC-SHA1 of
    /// that text with the secret (OSS's PostObject V1 rule).
    func postPolicyFields(bucket: String, key: String, contentType: String, objectACL: String?,
                          lengthRange: ClosedRange<Int>, expiresAt: Date) throws(StorageError) -> [String: String] {
        var conditions: [JSONValue] = [
            .object(["bucket": .string(bucket)]),
            .array([.string("eq"), .string("$key"), .string(key)]),
            .array([.string("eq"), .string("$Content-Type"), .string(contentType)]),
            .array([.string("content-length-range"), .int(Int64(lengthRange.lowerBound)), .int(Int64(lengthRange.upperBound))]),
        ]
        var fields = ["key": key, "Content-Type": contentType, "OSSAccessKeyId": accessKeyID]
        if let objectACL, !objectACL.isEmpty {
            conditions.append(.array([.string("eq"), .string("$x-oss-object-acl"), .string(objectACL)]))
            fields["x-oss-object-acl"] = objectACL
        }
        let policy: JSONValue = .object([
            "expiration": .string(SigV4Signer.iso8601(expiresAt)),
            "conditions": .array(conditions),
        ])
        let encoded = Data(JSONWriter.string(policy).utf8).base64EncodedString()
        fields["policy"] = encoded
        fields["Signature"] = try signature(encoded)
        return fields
    }
}
