import Foundation
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
public import GalleyStorage

/// Builds the configured backend, so executables never branch on `STORAGE_BACKEND`.
public enum ObjectStorageFactory {
    /// - Parameters:
    ///   - signingSecret: HMAC key of the local backend's upload URLs (derived from `SECRET_KEY`).
    ///   - localPublicBaseURL: where the gateway serves local objects, e.g.
    ///     ``LocalObjectStorage/defaultPublicBaseURL``.
    ///   - fileExecutor: where the local backend's async file I/O runs (nil: inline).
    public static func make(
        settings: Settings.Storage, signingSecret: [UInt8], localPublicBaseURL: String,
        fileExecutor: BlockingExecutor? = nil
    ) throws -> any ObjectStorage {
        switch settings.backend {
        case .local:
            return try LocalObjectStorage(
                directory: settings.localDirectory, publicBaseURL: localPublicBaseURL,
                signingSecret: signingSecret, fileExecutor: fileExecutor
            )
        case .s3:
            return try S3ObjectStorage(configuration: s3Configuration(settings))
        case .oss:
            return try OSSObjectStorage(configuration: ossConfiguration(settings))
        }
    }

    /// Aliyun OSS with its own protocol, from the original's settings: `OSS_ENDPOINT` as
    /// the original read it (``OSSStorageConfiguration/endpointURL(_:)``), the four
    /// `OSS_*` required, `OSS_OBJECT_ACL` on every upload.
    static func ossConfiguration(_ settings: Settings.Storage) throws(StorageError) -> OSSStorageConfiguration {
        guard let endpointText = settings.endpoint, let endpoint = OSSStorageConfiguration.endpointURL(endpointText) else {
            throw .notConfigured("OSS_ENDPOINT")
        }
        guard let bucket = settings.bucket, !bucket.isEmpty else { throw .notConfigured("OSS_BUCKET") }
        guard let keyID = settings.accessKeyID, !keyID.isEmpty else { throw .notConfigured("OSS_ACCESS_KEY_ID") }
        guard let secret = settings.accessKeySecret, !secret.isEmpty else {
            throw .notConfigured("OSS_ACCESS_KEY_SECRET")
        }
        var configuration = OSSStorageConfiguration(
            endpoint: endpoint, bucket: bucket, accessKeyID: keyID, accessKeySecret: secret
        )
        configuration.objectACL = settings.objectACL
        configuration.publicBaseURL = settings.publicBaseURL
        return configuration
    }

    /// `OSS_ENDPOINT` may come without a scheme (`oss-cn-hangzhou.aliyuncs.com`, as the
    /// original's settings had it): https is assumed. Alibaba OSS refuses path-style
    /// requests, so its endpoints are addressed virtual-hosted; everything else path-style.
    static func s3Configuration(_ settings: Settings.Storage) throws(StorageError) -> S3StorageConfiguration {
        guard var endpointText = settings.endpoint?.trimmingWhitespace(), !endpointText.isEmpty else {
            throw .notConfigured("OSS_ENDPOINT")
        }
        if !endpointText.contains("://") { endpointText = "https://" + endpointText }
        guard let endpoint = URL(string: endpointText) else { throw .notConfigured("OSS_ENDPOINT") }
        guard let bucket = settings.bucket, !bucket.isEmpty else { throw .notConfigured("OSS_BUCKET") }
        guard let keyID = settings.accessKeyID, !keyID.isEmpty else { throw .notConfigured("OSS_ACCESS_KEY_ID") }
        guard let secret = settings.accessKeySecret, !secret.isEmpty else {
            throw .notConfigured("OSS_ACCESS_KEY_SECRET")
        }
        var configuration = S3StorageConfiguration(
            endpoint: endpoint, bucket: bucket, accessKeyID: keyID, secretAccessKey: secret
        )
        configuration.region = settings.region.isEmpty ? "us-east-1" : settings.region
        configuration.publicBaseURL = settings.publicBaseURL
        if let host = endpoint.host?.lowercased(), host.hasSuffix(".aliyuncs.com") {
            configuration.addressing = .virtualHosted
        }
        return configuration
    }
}
