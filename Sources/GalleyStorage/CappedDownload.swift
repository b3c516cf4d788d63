import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GalleyCore

/// Downloads a URL into memory and gives up as soon as it exceeds a byte limit, so a
/// huge or endless copy source cannot exhaust memory (`URLSession.data` would buffer it all).
enum CappedDownload {
    /// GETs `url` (http or https only) and returns its body; non-2xx → `upstream(status)`,
    /// over `limit` bytes → `tooLarge`, network failure → `transport`.
    static func fetch(_ url: URL, limit: Int, timeoutSeconds: Double) async throws -> [UInt8] {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw StorageError.invalidArgument("copy source must be an http(s) URL")
        }
        let collector = DownloadCollector(limit: limit)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        let session = URLSession(configuration: configuration, delegate: collector, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], any Error>) in
                collector.start(continuation)
                task.resume()
            }
        } onCancel: {
            collector.cancelled()
            task.cancel()
        }
    }
}
