public import Foundation
import GalleyCore

/// Object storage as the gateway and the EmojiWorker use it, whatever the backend
/// (local files for the local stack, S3/OSS/MinIO in production).
///
/// Every method validates its key with ``ObjectKey/validate(_:)``; failures are
/// ``StorageError`` (or `CancellationError` when the calling task is cancelled).
public protocol ObjectStorage: Sendable {
    /// How the client uploads the object, valid `expiresIn` seconds from `now`, bound to
    /// `size` bytes when the client declared it (1 … 10 MB), else to at most 10 MB where the
    /// backend can say so (S3: a POST policy with `content-length-range`).
    func uploadCredentials(key: String, contentType: String, size: Int?, expiresIn: Int, now: Date) throws -> UploadCredentials

    /// Stores `data` under `key`; returns the object's public URL.
    func put(key: String, data: [UInt8], contentType: String) async throws -> String

    /// Downloads `sourceURL` (http or https, size-capped) and stores it under `key`;
    /// returns the public URL. For provider results whose own URLs expire.
    func copy(from sourceURL: URL, to key: String, contentType: String) async throws -> String

    /// The URL the object under `key` is (or will be) served at.
    func publicURL(for key: String) -> String
}

extension ObjectStorage {
    /// Credentials without a declared size.
    public func uploadCredentials(key: String, contentType: String, expiresIn: Int, now: Date) throws -> UploadCredentials {
        try uploadCredentials(key: key, contentType: contentType, size: nil, expiresIn: expiresIn, now: now)
    }
}
