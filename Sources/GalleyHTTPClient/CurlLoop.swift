import CCurl
import GalleyCore

/// The client's own thread: adds and removes easy handles, drives every transfer with
/// `curl_multi_perform`, sleeps in `curl_multi_poll` (woken by ``CurlInbox``) and resumes
/// callers. No libcurl call of the client runs anywhere else, so none blocks the Swift pool.
final class CurlLoop {
    private let multi: CurlMultiHandle
    private let inbox: CurlInbox
    private let configuration: HTTPClientConfiguration
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var byJob: [ObjectIdentifier: UnsafeMutableRawPointer] = [:]
    private var idle: [UnsafeMutableRawPointer] = []

    init(multi: CurlMultiHandle, inbox: CurlInbox, configuration: HTTPClientConfiguration) {
        self.multi = multi
        self.inbox = inbox
        self.configuration = configuration
        let connections = max(1, configuration.maxConnections)
        _ = galley_curl_multi_setopt_long(multi.pointer, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections)
        _ = galley_curl_multi_setopt_long(multi.pointer, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, min(connections, configuration.maxConnectionsPerHost)))
        _ = galley_curl_multi_setopt_long(multi.pointer, CURLMOPT_MAXCONNECTS, connections)
    }

    func run() {
        var running: Int32 = 0
        while true {
            let (commands, stopping) = inbox.take()
            for command in commands { handle(command) }
            if stopping { break }
            _ = curl_multi_perform(multi.pointer, &running)
            collectFinished()
            _ = curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
        }
        for command in inbox.close() { handle(command) }
        let shutdown = HTTPClientError(.shutdown)
        for easy in Array(active.keys) { finish(easy, .failure(shutdown)) }
        for easy in idle { curl_easy_cleanup(easy) }
        idle = []
        curl_multi_cleanup(multi.pointer)
    }

    private func handle(_ command: CurlCommand) {
        switch command {
        case .start(let job):
            start(job)
        case .cancel(let job):
            if let easy = byJob[ObjectIdentifier(job)] { finish(easy, .failure(CancellationError())) }
        }
    }

    private func start(_ job: HTTPClientJob) {
        if job.isCancelled { return job.finish(.failure(CancellationError())) }
        guard let easy = idle.popLast() ?? curl_easy_init() else {
            return job.finish(.failure(HTTPClientError(.transport, "curl_easy_init failed")))
        }
        let transfer = CurlTransfer(job: job, easy: easy)
        guard transfer.configure(connectTimeout: configuration.connectTimeout) else {
            recycle(easy)
            return job.finish(.failure(HTTPClientError(.invalidRequest, "libcurl refused an option")))
        }
        guard curl_multi_add_handle(multi.pointer, easy) == CURLM_OK else {
            recycle(easy)
            return job.finish(.failure(HTTPClientError(.transport, "curl_multi_add_handle failed")))
        }
        active[easy] = transfer
        byJob[ObjectIdentifier(job)] = easy
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi.pointer, &left) {
            guard galley_curl_message_is_done(message) != 0, let easy = message.pointee.easy_handle,
                  let transfer = active[easy] else { continue }
            finish(easy, transfer.result(galley_curl_message_result(message)))
        }
    }

    /// Detaches the transfer (closing its connection if it was mid-answer), then resumes the caller.
    private func finish(_ easy: UnsafeMutableRawPointer, _ result: Result<HTTPClientResponse, any Error>) {
        guard let transfer = active.removeValue(forKey: easy) else { return }
        byJob[ObjectIdentifier(transfer.job)] = nil
        _ = curl_multi_remove_handle(multi.pointer, easy)
        recycle(easy)
        transfer.job.finish(result)
    }

    private func recycle(_ easy: UnsafeMutableRawPointer) {
        if idle.count < configuration.idleHandles {
            curl_easy_reset(easy)
            idle.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }
}
