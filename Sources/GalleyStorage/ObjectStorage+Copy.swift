import Foundation

/// Copying by download for the remote backends: the provider's URL expires in 24 h, so
/// its bytes are fetched (capped) and written under our key at once.
extension ObjectStorage {
    func copyByDownload(from sourceURL: URL, to key: String, contentType: String,
                        limit: Int, timeoutSeconds: Double) async throws -> String {
        try ObjectKey.validate(key)
        try StorageArgument.validateContentType(contentType)
        let data = try await CappedDownload.fetch(sourceURL, limit: limit, timeoutSeconds: timeoutSeconds)
        return try await put(key: key, data: data, contentType: contentType)
    }
}
