import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import GalleyCore

/// The session delegate behind ``CappedDownload``: gathers the body, cancels the task
/// on a bad status or once the limit is passed, and resumes the waiting caller once.
final class DownloadCollector: NSObject, URLSessionDataDelegate, Sendable {
    private struct State {
        var continuation: CheckedContinuation<[UInt8], any Error>?
        var body: [UInt8] = []
        var failure: (any Error)?
        /// Set when the task completed before ``start(_:)`` (only if resumed early).
        var result: Result<[UInt8], any Error>?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    func start(_ continuation: CheckedContinuation<[UInt8], any Error>) {
        let early: Result<[UInt8], any Error>? = state.withLock { state in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// The caller's task was cancelled: report that rather than a transport error.
    func cancelled() {
        state.withLock { state in
            if state.failure == nil { state.failure = CancellationError() }
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        var failure: StorageError?
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            failure = .upstream(status: http.statusCode, "copy source")
        } else if response.expectedContentLength > Int64(limit) {
            failure = .tooLarge("copy source announces \(response.expectedContentLength) bytes, limit \(limit)")
        }
        if let failure {
            state.withLock { state in if state.failure == nil { state.failure = failure } }
            completionHandler(.cancel)
        } else {
            completionHandler(.allow)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = state.withLock { state -> Bool in
            guard state.failure == nil else { return true }
            if state.body.count + data.count > limit {
                state.failure = StorageError.tooLarge("copy source exceeds \(limit) bytes")
                state.body = []
                return true
            }
            state.body.append(contentsOf: data)
            return false
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (continuation, result): (CheckedContinuation<[UInt8], any Error>?, Result<[UInt8], any Error>) =
            state.withLock { state in
                let result: Result<[UInt8], any Error>
                if let failure = state.failure {
                    result = .failure(failure)
                } else if let error {
                    result = .failure(StorageError.transport("copy source: \(error.localizedDescription)"))
                } else {
                    result = .success(state.body)
                }
                state.body = []
                let continuation = state.continuation
                state.continuation = nil
                if continuation == nil { state.result = result }
                return (continuation, result)
            }
        continuation?.resume(with: result)
    }
}
