public import Foundation
import GalleyCore

/// Object storage as the gateway and the EmojiWorker use it, whatever the backend
/// (local files for the local stack, S3/OSS/MinIO in production).
///
/// Every method validates its key with ``ObjectKey/validate(_:)``; failures are
/// ``StorageError`` (or `CancellationError` when the calling task is cancelled).
public protocol ObjectStorage: Sendable {
    /// A signed `PUT` the client can send the object with, valid `expiresIn` seconds from `now`.
    func uploadCredentials(key: String, contentType: String, expiresIn: Int, now: Date) throws -> UploadCredentials

    /// Stores `data` under `key`; returns the object's public URL.
    func put(key: String, data: [UInt8], contentType: String) async throws -> String

    /// Downloads `sourceURL` (http or https, size-capped) and stores it under `key`;
    /// returns the public URL. For provider results whose own URLs expire.
    func copy(from sourceURL: URL, to key: String, contentType: String) async throws -> String

    /// The URL the object under `key` is (or will be) served at.
    func publicURL(for key: String) -> String
}
