public import Foundation
import GalleyCore
import GalleyHTTPClient

/// Objects in an S3-protocol bucket, signed with ``SigV4Signer``.
///
/// Clients upload with a presigned `PUT` whose signed headers are `content-type;host`,
/// so the client must send the `Content-Type` it was given. The server's own uploads
/// (`put`, `copy`) are header-signed with the body's SHA-256 (`x-amz-content-sha256`).
public struct S3ObjectStorage: ObjectStorage {
    public let configuration: S3StorageConfiguration
    private let signer: SigV4Signer
    private let scheme: String
    /// `host[:port]` of the endpoint, as the `Host` header carries it.
    private let endpointHost: String
    /// The endpoint's own path (usually empty), without a trailing `/`.
    private let basePath: String

    public init(configuration: S3StorageConfiguration) throws(StorageError) {
        let endpoint = configuration.endpoint
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = endpoint.host, !host.isEmpty
        else { throw .notConfigured("endpoint must be an http(s) URL") }
        guard S3ObjectStorage.isValidBucket(configuration.bucket) else { throw .notConfigured("bucket name") }
        guard !configuration.accessKeyID.isEmpty, !configuration.secretAccessKey.isEmpty else {
            throw .notConfigured("access key")
        }
        self.configuration = configuration
        self.scheme = scheme
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = endpoint.port, port != defaultPort {
            endpointHost = "\(host):\(port)"
        } else {
            endpointHost = host
        }
        var path = endpoint.path
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        signer = SigV4Signer(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
            region: configuration.region
        )
    }

    // MARK: - ObjectStorage

    /// With a declared `size`: a presigned `PUT` whose signature covers `Content-Length`
    /// (S3 refuses any other length). Without: a POST policy allowing 1 byte to 10 MB.
    public func uploadCredentials(key: String, contentType: String, size: Int?, expiresIn: Int, now: Date) throws -> UploadCredentials {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        try StorageArgument.validateExpiry(expiresIn)
        try StorageArgument.validateUploadSize(size)
        let target = location(of: key)
        let signedAt = now.timeIntervalSince1970.rounded(.down)
        let expiresAt = Date(timeIntervalSince1970: signedAt + Double(expiresIn))
        guard let size else {
            let fields = signer.postPolicyFields(
                bucket: configuration.bucket, key: key, contentType: contentType,
                lengthRange: 1...StorageArgument.maxUploadBytes, expiresAt: expiresAt, date: now)
            let bucket = location(of: "")
            return UploadCredentials(
                objectKey: key, imageURL: publicURL(for: key), method: "POST",
                url: "\(scheme)://\(bucket.host)\(SigV4Signer.uriEncode(bucket.path.isEmpty ? "/" : bucket.path, keepSlash: true))",
                headers: [:], fields: fields, expiresAt: expiresAt)
        }
        let headers = ["Content-Type": contentType, "Content-Length": String(size)]
        let url = signer.presign(
            method: "PUT", scheme: scheme, host: target.host, path: target.path,
            headers: headers, expiresIn: expiresIn, date: now
        )
        return UploadCredentials(
            objectKey: key,
            imageURL: publicURL(for: key),
            method: "PUT",
            url: url,
            headers: headers,
            fields: [:],
            expiresAt: expiresAt
        )
    }

    public func put(key: String, data: [UInt8], contentType: String) async throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        let target = location(of: key)
        let signed = signer.authorizationHeaders(
            method: "PUT", host: target.host, path: target.path, headers: ["Content-Type": contentType],
            payloadHash: Crypto.hex(Crypto.sha256(data)), date: Date()
        )
        let url = "\(scheme)://\(target.host)\(SigV4Signer.uriEncode(target.path, keepSlash: true))"
        let headers = [(name: "Content-Type", value: contentType)] + signed.map { (name: $0.key, value: $0.value) }
        try await send(HTTPClientRequest(method: "PUT", url: url, headers: headers, body: data, maxResponseBytes: 64 * 1024,
                                         followRedirects: false))
        return publicURL(for: key)
    }

    public func copy(from sourceURL: URL, to key: String, contentType: String) async throws -> String {
        try await copyByDownload(from: sourceURL, to: key, contentType: contentType,
                                 limit: configuration.maxCopyBytes, timeoutSeconds: configuration.requestTimeoutSeconds)
    }

    public func publicURL(for key: String) -> String {
        if var base = configuration.publicBaseURL, !base.isEmpty {
            while base.hasSuffix("/") { base.removeLast() }
            return "\(base)/\(SigV4Signer.uriEncode(key, keepSlash: true))"
        }
        let target = location(of: key)
        return "\(scheme)://\(target.host)\(SigV4Signer.uriEncode(target.path, keepSlash: true))"
    }

    // MARK: - More than the protocol

    /// A presigned `GET` of `key`, for reading objects of a private bucket.
    public func presignedGetURL(key: String, expiresIn: Int, now: Date) throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateExpiry(expiresIn)
        let target = location(of: key)
        return signer.presign(method: "GET", scheme: scheme, host: target.host, path: target.path,
                              expiresIn: expiresIn, date: now)
    }

    /// The `Host` and decoded path of `key` (or of the bucket itself for an empty key).
    func location(of key: String) -> (host: String, path: String) {
        switch configuration.addressing {
        case .path:
            return (endpointHost, "\(basePath)/\(configuration.bucket)" + (key.isEmpty ? "" : "/\(key)"))
        case .virtualHosted:
            return ("\(configuration.bucket).\(endpointHost)", "\(basePath)/\(key)")
        }
    }

    // MARK: - Helpers

    /// Sends a signed request; a non-2xx answer is `upstream(status)` with the store's
    /// error code (from its XML body) in `debugDescription`.
    private func send(_ request: HTTPClientRequest) async throws {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000)))
        } catch let error as HTTPClientError {
            throw StorageError.transport("object store: \(error.debugDescription)")
        }
        guard response.isSuccess else {
            throw StorageError.upstream(status: response.status, S3ObjectStorage.errorCode(in: response.body))
        }
    }

    /// `<Code>…</Code>` of an S3 error document, which names the failure without data.
    static func errorCode(in body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        guard let open = text.range(of: "<Code>"),
              let close = text.range(of: "</Code>", range: open.upperBound..<text.endIndex)
        else { return "no error code" }
        return String(text[open.upperBound..<close.lowerBound].prefix(64))
    }

    /// S3's rules in short: 3–63 lowercase letters, digits, `-` and `.`, starting and
    /// ending with a letter or digit. Also keeps the bucket safe in a host name and a path.
    static func isValidBucket(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alphanumeric(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        guard let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
