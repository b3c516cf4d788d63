public import Foundation
import GalleyCore

/// Where and how to reach an Aliyun OSS bucket with OSS's own protocol (V1 signatures,
/// `x-oss-*` headers). Built from `Settings.Storage` by `ObjectStorageFactory`.
public struct OSSStorageConfiguration: Sendable {
    /// `http(s)://host[:port]`; see ``endpointURL(_:)`` for the original's `OSS_ENDPOINT` forms.
    public var endpoint: URL
    public var bucket: String
    public var accessKeyID: String
    public var accessKeySecret: String
    /// Sent as `x-oss-object-acl` on every upload (the original's `OSS_OBJECT_ACL`); nil or
    /// empty sends none, and the object inherits the bucket's ACL.
    public var objectACL: String? = "public-read"
    /// A CDN or custom domain; objects are then `<publicBaseURL>/<key>`.
    public var publicBaseURL: String? = nil
    /// Copy sources above this are refused (videos are a few MB).
    public var maxCopyBytes: Int = 200 * 1024 * 1024
    /// Per request, for uploads to OSS and downloads of copy sources.
    public var requestTimeout: Duration = .seconds(60)

    public init(endpoint: URL, bucket: String, accessKeyID: String, accessKeySecret: String) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
    }

    /// `OSS_ENDPOINT` as the original read it: trimmed, `https://` assumed without a
    /// scheme, an `http://` endpoint kept as is. Nil when no http(s) host remains.
    public static func endpointURL(_ text: String) -> URL? {
        var trimmed = text.trimmingWhitespace()
        let lower = trimmed.lowercased()
        if !lower.hasPrefix("http://") && !lower.hasPrefix("https://") {
            guard !trimmed.contains("://") else { return nil }
            trimmed = "https://" + trimmed
        }
        while trimmed.hasSuffix("/") && !trimmed.hasSuffix("://") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let host = url.host, !host.isEmpty,
              url.path.isEmpty || url.path == "/", url.query == nil
        else { return nil }
        return url
    }

    /// The ACLs OSS accepts in `x-oss-object-acl`.
    public static let objectACLs = ["private", "public-read", "public-read-write", "default"]

    /// Seconds of ``requestTimeout`` for `URLRequest`.
    var requestTimeoutSeconds: Double {
        let parts = requestTimeout.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
