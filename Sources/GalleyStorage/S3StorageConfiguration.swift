public import Foundation
import GalleyCore

/// Where and how to reach an S3-protocol store (AWS S3, Alibaba OSS's S3-compatible
/// endpoint, MinIO). Built from `Settings.Storage` by ``ObjectStorageFactory``.
public struct S3StorageConfiguration: Sendable {
    /// Path style `<endpoint>/<bucket>/<key>` (MinIO, moto, most S3 clones) or virtual-hosted
    /// `<bucket>.<host>/<key>` (what Alibaba OSS requires and AWS prefers).
    public enum Addressing: String, Sendable { case path, virtualHosted }

    /// `http(s)://host[:port][/base/path]`.
    public var endpoint: URL
    public var bucket: String
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String = "us-east-1"
    public var addressing: Addressing = .path
    /// A CDN or public bucket domain; objects are then `<publicBaseURL>/<key>`.
    public var publicBaseURL: String? = nil
    /// Copy sources above this are refused (videos are a few MB).
    public var maxCopyBytes: Int = 200 * 1024 * 1024
    /// Per request, for uploads to the store and downloads of copy sources.
    public var requestTimeoutSeconds: Double = 60

    public init(endpoint: URL, bucket: String, accessKeyID: String, secretAccessKey: String) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
    }
}
