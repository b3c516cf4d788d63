import Foundation
public import GalleyCore
public import GalleyStorage

/// Object storage from the fleet's settings, in one place: the local backend's signing
/// key and its public URL are derived here only, so the gateway (which serves local
/// objects) and the workers (which write results) always agree.
extension Settings {
    /// HMAC key of the local backend's upload URLs, derived from `SECRET_KEY`.
    public var localStorageSigningKey: [UInt8] {
        Crypto.hmacSHA256(key: Array(auth.secretKey.utf8), data: "galley-local-storage")
    }

    /// Where the gateway serves local objects: `OSS_PUBLIC_BASE_URL`, else the gateway's
    /// own `HOST`:`PORT` (loopback when it listens on every address).
    public var localStoragePublicBaseURL: String {
        if let publicBaseURL = storage.publicBaseURL { return publicBaseURL }
        let host = ["0.0.0.0", "::", ""].contains(http.host) ? "127.0.0.1" : http.host
        return "http://\(host):\(http.port)/api/v1/storage"
    }

    /// The configured backend.
    public func makeObjectStorage(fileExecutor: BlockingExecutor? = nil) throws -> any ObjectStorage {
        try ObjectStorageFactory.make(settings: storage, signingSecret: localStorageSigningKey,
                                      localPublicBaseURL: localStoragePublicBaseURL, fileExecutor: fileExecutor)
    }
}
