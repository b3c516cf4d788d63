public import Foundation
public import GalleyCore

/// Objects as files under one directory, for the local stack: the gateway accepts the
/// signed `PUT` itself (``verifyUpload(key:expires:signature:contentType:now:)`` then
/// ``write(key:data:)``) and serves the files (``read(key:)``).
public struct LocalObjectStorage: ObjectStorage {
    /// The gateway's storage route on a default local stack.
    public static let defaultPublicBaseURL = "http://127.0.0.1:8000/api/v1/storage"
    /// Copy sources above this are refused (videos are a few MB).
    public static let defaultMaxCopyBytes = 200 * 1024 * 1024

    public let directory: URL
    /// Objects are served at `<publicBaseURL>/<key>` (no trailing slash).
    public let publicBaseURL: String
    public let maxCopyBytes: Int
    public let copyTimeoutSeconds: Double
    private let signingSecret: [UInt8]
    private let fileExecutor: BlockingExecutor?

    /// - Parameters:
    ///   - signingSecret: key of the upload URLs' HMAC (the gateway derives it from `SECRET_KEY`).
    ///   - fileExecutor: where the async methods do their file I/O; nil does it inline,
    ///     acceptable for the local stack's small files.
    public init(
        directory: String, publicBaseURL: String = LocalObjectStorage.defaultPublicBaseURL,
        signingSecret: [UInt8], fileExecutor: BlockingExecutor? = nil,
        maxCopyBytes: Int = LocalObjectStorage.defaultMaxCopyBytes, copyTimeoutSeconds: Double = 60
    ) throws(StorageError) {
        guard !signingSecret.isEmpty else { throw .notConfigured("empty signing secret") }
        guard !directory.isEmpty else { throw .notConfigured("empty local directory") }
        self.directory = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicBaseURL = base
        self.signingSecret = signingSecret
        self.fileExecutor = fileExecutor
        self.maxCopyBytes = maxCopyBytes
        self.copyTimeoutSeconds = copyTimeoutSeconds
    }

    // MARK: - ObjectStorage

    /// `PUT <publicBaseURL>/<key>?expires=<unix>&signature=<hex>` with `Content-Type` as given.
    public func uploadCredentials(key: String, contentType: String, size: Int?, expiresIn: Int, now: Date) throws -> UploadCredentials {
        try StorageArgument.validateUploadSize(size)
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        try StorageArgument.validateExpiry(expiresIn)
        let expires = Int64(now.timeIntervalSince1970.rounded(.down)) + Int64(expiresIn)
        let signature = self.signature(key: key, expires: String(expires), contentType: contentType)
        return UploadCredentials(
            objectKey: key,
            imageURL: publicURL(for: key),
            method: "PUT",
            url: "\(publicURL(for: key))?expires=\(expires)&signature=\(signature)",
            headers: ["Content-Type": contentType],
            fields: [:],
            expiresAt: Date(timeIntervalSince1970: Double(expires))
        )
    }

    public func put(key: String, data: [UInt8], contentType: String) async throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        try await onFileThread { try write(key: key, data: data) }
        return publicURL(for: key)
    }

    public func copy(from sourceURL: URL, to key: String, contentType: String) async throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        let data = try await CappedDownload.fetch(sourceURL, limit: maxCopyBytes, timeoutSeconds: copyTimeoutSeconds)
        try await onFileThread { try write(key: key, data: data) }
        return publicURL(for: key)
    }

    public func publicURL(for key: String) -> String { "\(publicBaseURL)/\(key)" }

    // MARK: - The gateway's storage routes

    /// Whether a `PUT` of `key` with these query values and `Content-Type` is the one
    /// ``uploadCredentials(key:contentType:expiresIn:now:)`` signed and is not expired.
    /// Values are taken as they arrive in the query; anything malformed is false.
    public func verifyUpload(key: String, expires: String, signature: String, contentType: String, now: Date) -> Bool {
        guard ObjectKey.isValid(key), let expiresAt = Int64(expires), String(expiresAt) == expires else { return false }
        let expected = self.signature(key: key, expires: expires, contentType: contentType)
        // Compare before looking at the clock so timing says nothing about the signature.
        let matches = Crypto.constantTimeEquals(expected, signature.lowercased())
        return matches && Double(expiresAt) >= now.timeIntervalSince1970
    }

    /// Writes atomically: a temporary file in the target directory, then rename(2), so a
    /// reader sees the old object or the whole new one, never a partial file.
    public func write(key: String, data: [UInt8]) throws {
        let target = try fileURL(for: key)
        let folder = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.io("create directory: \(error.localizedDescription)")
        }
        // Segments never start with "." (ObjectKey), so no key can name this file.
        let temporary = folder.appendingPathComponent(".tmp-\(Crypto.hex(Crypto.randomBytes(8)))")
        do {
            try Data(data).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw StorageError.io("write: \(error.localizedDescription)")
        }
        if rename(temporary.path, target.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw StorageError.io("rename: errno \(code)")
        }
    }

    /// Where the gateway streams upload bodies before they are kept: inside `directory`
    /// (so a rename moves them), under a name no key can have (segments never start with ".").
    public var spoolDirectory: URL { directory.appendingPathComponent(".spool", isDirectory: true) }

    /// Keeps an upload the server streamed to `spooledPath` (in ``spoolDirectory``) as
    /// `key`: rename(2), so readers see the old object or the whole new one.
    public func keep(spooledPath: String, as key: String) throws {
        let target = try fileURL(for: key)
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StorageError.io("create directory: \(error.localizedDescription)")
        }
        if rename(spooledPath, target.path) != 0 {
            throw StorageError.io("rename: errno \(errno)")
        }
    }

    /// The object's bytes, or nil when there is none.
    public func read(key: String) throws -> [UInt8]? {
        let url = try fileURL(for: key)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            if !FileManager.default.fileExists(atPath: url.path) { return nil }
            throw StorageError.io("read: \(error.localizedDescription)")
        }
    }

    /// Where `key` lives on disk; the key is validated, so the path stays under `directory`.
    public func fileURL(for key: String) throws(StorageError) -> URL {
        try ObjectKey.validate(key)
        return directory.appendingPathComponent(key, isDirectory: false)
    }

    // MARK: - Helpers

    private func signature(key: String, expires: String, contentType: String) -> String {
        Crypto.hex(Crypto.hmacSHA256(key: signingSecret, data: "PUT\n\(key)\n\(expires)\n\(contentType)"))
    }

    private func onFileThread(_ body: @escaping @Sendable () throws -> Void) async throws {
        if let fileExecutor {
            try await fileExecutor.run(body)
        } else {
            try body()
        }
    }
}
