public import GalleyCore
public import GalleyStorage

/// Values every executable derives from the same settings, in one place: the gateway
/// and the EmojiWorker must write the same public URLs and sign with the same key.
extension Settings {
    /// Where clients fetch locally stored objects: `OSS_PUBLIC_BASE_URL`, else the
    /// gateway's own `/api/v1/storage` on `HOST` (a wildcard host read as loopback) and
    /// `PORT`. Workers serve on `METRICS_PORT`, so `PORT` names the gateway in all.
    public var localStoragePublicBaseURL: String {
        if let configured = storage.publicBaseURL { return configured }
        let host = ["0.0.0.0", "::", "[::]", ""].contains(http.host) ? "127.0.0.1" : http.host
        let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(shown):\(http.port)/api/v1/storage"
    }

    /// The HMAC key of the local backend's upload URLs, derived from `SECRET_KEY`.
    public var localStorageSigningKey: [UInt8] {
        Crypto.hmacSHA256(key: Array(auth.secretKey.utf8), data: "galley-local-storage")
    }

    /// The configured object storage, built the same way in every process.
    public func makeObjectStorage(fileExecutor: BlockingExecutor? = nil) throws -> any ObjectStorage {
        try ObjectStorageFactory.make(
            settings: storage, signingSecret: localStorageSigningKey, localPublicBaseURL: localStoragePublicBaseURL,
            fileExecutor: fileExecutor)
    }
}
