public import Foundation
import GalleyCore
import GalleyHTTPClient

/// Objects in an Aliyun OSS bucket, spoken to with OSS's own protocol and signed with
/// ``OSSSigner`` (V1, as the `oss2` SDK the original used signs by default).
///
/// Server uploads (`put`, `copy`) carry `x-oss-object-acl` (the original's
/// `OSS_OBJECT_ACL`, `public-read` by default) so the public URLs it hands out work.
/// Clients upload with a PostObject form (`POST` to the bucket, the credentials' `fields`
/// then the file): its signed policy fixes the key, `Content-Type`, the ACL and the size
/// (exactly the declared size, else 1 byte to 10 MB). A V1 presigned `PUT` could not
/// bind the size: its string to sign has no line for `Content-Length`.
public struct OSSObjectStorage: ObjectStorage {
    public let configuration: OSSStorageConfiguration
    let signer: OSSSigner
    private let scheme: String
    /// `host[:port]` of the endpoint as the `Host` header carries it.
    private let endpointHost: String
    /// oss2's rule: an IP or `localhost` endpoint is addressed path-style
    /// (`/<bucket>/<key>`), any other virtual-hosted (`<bucket>.<endpoint>/<key>`).
    let isPathStyle: Bool

    public init(configuration: OSSStorageConfiguration) throws(StorageError) {
        let endpoint = configuration.endpoint
        guard let scheme = endpoint.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = endpoint.host, !host.isEmpty
        else { throw .notConfigured("OSS endpoint must be an http(s) host") }
        guard OSSObjectStorage.isValidBucket(configuration.bucket) else { throw .notConfigured("OSS bucket name") }
        guard !configuration.accessKeyID.isEmpty, !configuration.accessKeySecret.isEmpty else {
            throw .notConfigured("OSS access key")
        }
        if let acl = configuration.objectACL, !acl.isEmpty, !OSSStorageConfiguration.objectACLs.contains(acl) {
            throw .notConfigured("OSS object ACL")
        }
        self.configuration = configuration
        self.scheme = scheme
        // An IPv6 literal goes back into brackets in a URL and a Host header.
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        endpointHost = endpoint.port.map { "\(bracketed):\($0)" } ?? bracketed
        isPathStyle = OSSObjectStorage.isIPOrLocalhost(host)
        signer = OSSSigner(accessKeyID: configuration.accessKeyID, accessKeySecret: configuration.accessKeySecret)
    }

    // MARK: - ObjectStorage

    public func uploadCredentials(key: String, contentType: String, size: Int?, expiresIn: Int, now: Date) throws -> UploadCredentials {
        try StorageArgument.validateUploadSize(size)
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        try StorageArgument.validateExpiry(expiresIn)
        let expiresAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down) + Double(expiresIn))
        let fields = try signer.postPolicyFields(
            bucket: configuration.bucket, key: key, contentType: contentType, objectACL: configuration.objectACL,
            lengthRange: size.map { $0...$0 } ?? 1...StorageArgument.maxUploadBytes, expiresAt: expiresAt)
        return UploadCredentials(
            objectKey: key,
            imageURL: publicURL(for: key),
            method: "POST",
            url: bucketURL,
            headers: [:],
            fields: fields,
            expiresAt: expiresAt
        )
    }

    public func put(key: String, data: [UInt8], contentType: String) async throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        var headers = ["Content-Type": contentType]
        if let acl = configuration.objectACL, !acl.isEmpty { headers["x-oss-object-acl"] = acl }
        var request = try signedRequest("PUT", key: key, headers: headers)
        request.body = data
        _ = try await send(request)
        return publicURL(for: key)
    }

    public func copy(from sourceURL: URL, to key: String, contentType: String) async throws -> String {
        try await copyByDownload(from: sourceURL, to: key, contentType: contentType,
                                 limit: configuration.maxCopyBytes, timeoutSeconds: configuration.requestTimeoutSeconds)
    }

    /// The original's formula: `OSS_PUBLIC_BASE_URL` (trailing `/` dropped) + `/` + key,
    /// else `<scheme>://<bucket>.<endpoint>/<key>` whatever the addressing of requests.
    public func publicURL(for key: String) -> String {
        if var base = configuration.publicBaseURL, !base.isEmpty {
            while base.hasSuffix("/") { base.removeLast() }
            return "\(base)/\(key)"
        }
        return "\(scheme)://\(configuration.bucket).\(endpointHost)/\(key)"
    }

    // MARK: - Requests

    /// Where requests for `key` go: `<scheme>://<bucket>.<endpoint>/<key>`, or
    /// `<scheme>://<endpoint>/<bucket>/<key>` for an IP or `localhost` endpoint.
    func objectURL(for key: String) -> String {
        let path = SigV4Signer.uriEncode(key, keepSlash: true)
        if isPathStyle { return "\(scheme)://\(endpointHost)/\(configuration.bucket)/\(path)" }
        return "\(scheme)://\(configuration.bucket).\(endpointHost)/\(path)"
    }

    /// Where PostObject forms go: the bucket itself, addressed like ``objectURL(for:)``.
    var bucketURL: String {
        isPathStyle ? "\(scheme)://\(endpointHost)/\(configuration.bucket)" : "\(scheme)://\(configuration.bucket).\(endpointHost)/"
    }

    /// A request for `key` with `headers`, a fresh `Date` and its `Authorization`.
    func signedRequest(_ method: String, key: String, headers: [String: String], now: Date = Date()) throws -> HTTPClientRequest {
        let date = OSSSigner.httpDate(now)
        let authorization = try signer.authorization(method: method, bucket: configuration.bucket, key: key,
                                                     headers: headers, date: date)
        var fields = headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        fields.append((name: "Date", value: date))
        fields.append((name: "Authorization", value: authorization))
        return HTTPClientRequest(method: method, url: objectURL(for: key), headers: fields,
                                 maxResponseBytes: configuration.maxCopyBytes, followRedirects: false)
    }

    /// Sends a signed request through the process's one HTTP client; a non-2xx answer is
    /// `upstream(status)` with OSS's error code (from its XML body) in `debugDescription`.
    func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(
                request, timeout: .milliseconds(Int64(configuration.requestTimeoutSeconds * 1000)))
        } catch let error as HTTPClientError {
            throw StorageError.transport("OSS: \(error.debugDescription)")
        }
        guard response.isSuccess else {
            throw StorageError.upstream(status: response.status, S3ObjectStorage.errorCode(in: response.body))
        }
        return response
    }

    // MARK: - Rules

    /// OSS's bucket names (oss2's check): 3–63 lowercase letters, digits and `-`, starting
    /// with a letter or digit and not ending with `-`. Also keeps the name safe in a host.
    static func isValidBucket(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alphanumeric(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        guard let first = bytes.first, let last = bytes.last, alphanumeric(first), last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// `localhost`, an IPv4 address or a bracketed IPv6 address (as `URL.host` gives it).
    static func isIPOrLocalhost(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, bare, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }
}
