import Foundation
import GalleyCore

/// Outbound HTTP for the whole fleet, over one libcurl multi handle driven by a thread of
/// its own: connections are reused across requests, their number is bounded by
/// ``HTTPClientConfiguration``, and a request in flight costs an easy handle and its buffers,
/// not a thread. Cancelling the calling task ends the request at once (the loop thread
/// removes its handle); nothing waits on a lock another thread may hold while cancelling.
public final class HTTPClient: Sendable {
    /// The process's client, for callers that do not need limits of their own.
    public static let shared = HTTPClient()

    public let configuration: HTTPClientConfiguration
    private let inbox: CurlInbox?

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), name: String = "http-client") {
        self.configuration = configuration
        guard let multi = CurlMultiHandle() else {
            inbox = nil
            return
        }
        let inbox = CurlInbox(multi: multi)
        self.inbox = inbox
        let thread = Thread {
            CurlLoop(multi: multi, inbox: inbox, configuration: configuration).run()
        }
        thread.name = name
        thread.start()
    }

    deinit { shutdown() }

    /// Sends `request` and returns the answer (any status), or throws ``HTTPClientError``
    /// (`CancellationError` when the calling task is cancelled). `timeout` bounds the whole
    /// exchange, waiting for a free connection included.
    public func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPClientResponse {
        if let problem = request.problem() { throw HTTPClientError(.invalidRequest, problem) }
        guard let inbox else { throw HTTPClientError(.transport, "curl_multi_init failed") }
        try Task.checkCancellation()
        let job = HTTPClientJob(request: request, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPClientResponse, any Error>) in
                job.attach(continuation)
                if !inbox.send(.start(job)) { job.finish(.failure(HTTPClientError(.shutdown))) }
            }
        } onCancel: {
            job.markCancelled()
            inbox.send(.cancel(job))
        }
    }

    /// Fails requests in flight with ``HTTPClientError/Code/shutdown`` and stops the thread;
    /// later calls fail the same way. Returns without waiting for the thread.
    public func shutdown() {
        inbox?.stop()
    }
}
