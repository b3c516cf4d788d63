import GalleyCore

/// Checks for the non-key arguments every backend takes, so both refuse the same input.
enum StorageArgument {
    /// A media type that is safe in a header and in a signature: 1–255 printable ASCII
    /// characters, no CR/LF (header injection).
    static func validateContentType(_ contentType: String) throws(StorageError) {
        let bytes = Array(contentType.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw .invalidArgument("content type")
        }
    }

    /// 1 second to 7 days, SigV4's limit for presigned URLs.
    static func validateExpiry(_ seconds: Int) throws(StorageError) {
        guard (1...604_800).contains(seconds) else { throw .invalidArgument("expiry \(seconds) s") }
    }

    /// The most a client may upload with credentials: the contract's 10 MB image limit.
    static let maxUploadBytes = 10 * 1024 * 1024

    /// A declared upload size: 1 byte to ``maxUploadBytes``.
    static func validateUploadSize(_ size: Int?) throws(StorageError) {
        if let size, !(1...maxUploadBytes).contains(size) { throw .invalidArgument("upload size \(size)") }
    }
}
