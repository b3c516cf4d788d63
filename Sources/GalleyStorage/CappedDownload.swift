import Foundation
import GalleyCore
import GalleyHTTPClient

/// Downloads a URL into memory and gives up as soon as it exceeds a byte limit, so a
/// huge or endless copy source cannot exhaust memory (``HTTPClient`` stops the transfer
/// once the announced or received size passes the cap).
enum CappedDownload {
    /// GETs `url` (http or https only) and returns its body; non-2xx → `upstream(status)`,
    /// over `limit` bytes → `tooLarge`, network failure → `transport`.
    static func fetch(_ url: URL, limit: Int, timeoutSeconds: Double, http: HTTPClient = .shared) async throws -> [UInt8] {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw StorageError.invalidArgument("copy source must be an http(s) URL")
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(HTTPClientRequest(url: url.absoluteString, maxResponseBytes: limit),
                                              timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
        } catch let error as HTTPClientError {
            switch error.code {
            case .tooLarge: throw StorageError.tooLarge("copy source exceeds \(limit) bytes")
            case .invalidRequest: throw StorageError.invalidArgument("copy source: \(error.debugDescription)")
            case .transport, .timeout, .shutdown: throw StorageError.transport("copy source: \(error.debugDescription)")
            }
        }
        guard response.isSuccess else { throw StorageError.upstream(status: response.status, "copy source") }
        return response.body
    }
}
