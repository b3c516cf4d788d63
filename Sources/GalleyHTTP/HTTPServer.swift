import CMicroHTTPD
import Foundation
import Synchronization
public import GalleyCore

/// HTTP/1.1 server on libmicrohttpd: its threads parse and write, a pool of handler
/// threads runs the responder (blocking database calls are fine there).
///
/// Requests are suspended while a handler works and resumed with the answer; cheap
/// routes may be answered inline. Nothing is answered on a request's first callback,
/// which keeps keep-alive connections open with libmicrohttpd 0.9.75.
public final class HTTPServer: Sendable {
    /// Called once per answered request on libmicrohttpd's thread, for metrics: keep it cheap.
    public typealias CompletionHook = @Sendable (
        _ method: String, _ path: String, _ status: Int, _ durationSeconds: Double
    ) -> Void

    private struct Running {
        let daemon: MHDDaemonHandle
        let core: HTTPServerCore
    }

    private enum State {
        case idle
        case running(Running)
        case stopping(Running)
        case stopped
    }

    public let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let logger: Logger
    private let onRequestCompleted: CompletionHook?
    private let state = Mutex(State.idle)
    private let boundPort = Atomic<Int>(0)

    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
                responder: any HTTPResponder,
                logger: Logger = Logger(label: "http"),
                onRequestCompleted: CompletionHook? = nil) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.onRequestCompleted = onRequestCompleted
    }

    /// The port listened on: the real one after `start()`, even when configured as 0.
    public var port: Int {
        let bound = boundPort.load(ordering: .acquiring)
        return bound != 0 ? bound : configuration.port
    }

    /// Requests received and not yet fully answered.
    public var inFlight: Int {
        state.withLock { state in
            switch state {
            case .running(let running), .stopping(let running): running.core.inFlight.load(ordering: .relaxed)
            case .idle, .stopped: 0
            }
        }
    }

    /// Binds, listens and starts libmicrohttpd's threads. Throws ``HTTPServerError``.
    public func start() throws {
        try state.withLock { state in
            guard case .idle = state else { throw HTTPServerError.alreadyStarted }
            let socket = try HTTPListenSocket.open(host: configuration.host, port: configuration.port,
                                                   backlog: configuration.listenBacklog)
            let core = HTTPServerCore(responder: responder, configuration: configuration, logger: logger,
                                      onRequestCompleted: onRequestCompleted)
            let daemon = Self.startDaemon(core: core, socket: socket, configuration: configuration)
            guard let daemon else {
                // libmicrohttpd closes the listening socket on most of its failure paths;
                // closing it again could hit a descriptor another thread just opened.
                core.executor.shutdown()
                throw HTTPServerError.startFailed.with(detail: "MHD_start_daemon returned NULL")
            }
            boundPort.store(Int(galley_mhd_bind_port(daemon.pointer)), ordering: .releasing)
            state = .running(Running(daemon: daemon, core: core))
        }
        logger.info("HTTP server listening", ["host": configuration.host, "port": String(port)])
    }

    /// Stops accepting, lets requests in flight finish until `deadline`, answers the
    /// ones still in a handler with 503, then stops libmicrohttpd. Safe to call again:
    /// a second call waits for the first to finish.
    public func shutdown(deadline: Duration) {
        let running: Running? = state.withLock { state in
            guard case .running(let running) = state else { return nil }
            state = .stopping(running)
            return running
        }
        guard let running else {
            while isStopping { usleep(1_000) }
            return
        }
        let core = running.core
        core.draining.store(true, ordering: .relaxed)
        let listener = MHD_quiesce_daemon(running.daemon.pointer)
        if listener >= 0 {
            // The descriptor must stay open until MHD_stop_daemon; shutting it down
            // already makes the kernel refuse new connections instead of queueing them.
            _ = Glibc.shutdown(listener, Int32(SHUT_RDWR))
        }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while core.inFlight.load(ordering: .relaxed) > 0 && clock.now < end { usleep(2_000) }

        core.answerSuspended()
        // MHD_stop_daemon must not see a suspended connection: wait for every resume call.
        while !core.nothingSuspended { usleep(500) }
        // Give the 503s a moment to reach their clients.
        let flushEnd = clock.now.advanced(by: .milliseconds(500))
        while core.inFlight.load(ordering: .relaxed) > 0 && clock.now < flushEnd { usleep(2_000) }

        MHD_stop_daemon(running.daemon.pointer)
        if listener >= 0 { close(listener) }
        Unmanaged.passUnretained(core).release()
        // Handlers still running past the deadline finish on their own; nobody waits for them.
        let executor = core.executor
        Thread.detachNewThread { executor.shutdown() }
        state.withLock { $0 = .stopped }
        logger.info("HTTP server stopped")
    }

    private var isStopping: Bool {
        state.withLock { if case .stopping = $0 { true } else { false } }
    }

    private static func startDaemon(core: HTTPServerCore, socket: HTTPListenSocket,
                                     configuration: HTTPServerConfiguration) -> MHDDaemonHandle? {
        let cls = Unmanaged.passRetained(core).toOpaque()
        let log: MHD_LogCallback = galleyMHDLog
        let uriLog: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?)
            -> UnsafeMutableRawPointer? = galleyURILog
        var options: [MHD_OptionItem] = [
            MHD_OptionItem(option: MHD_OPTION.EXTERNAL_LOGGER, value: unsafeBitCast(log, to: Int.self), ptr_value: cls),
            MHD_OptionItem(option: MHD_OPTION.LISTEN_SOCKET, value: Int(socket.descriptor), ptr_value: nil),
            MHD_OptionItem(option: MHD_OPTION.URI_LOG_CALLBACK, value: unsafeBitCast(uriLog, to: Int.self), ptr_value: cls),
            MHD_OptionItem(option: MHD_OPTION.CONNECTION_LIMIT, value: max(1, configuration.connectionLimit), ptr_value: nil),
            MHD_OptionItem(option: MHD_OPTION.CONNECTION_TIMEOUT, value: max(0, configuration.connectionTimeoutSeconds),
                           ptr_value: nil),
            MHD_OptionItem(option: MHD_OPTION.CONNECTION_MEMORY_LIMIT, value: max(4096, configuration.headerMemoryLimit),
                           ptr_value: nil),
        ]
        // The per-address cap is counted by `HTTPPeerConnections` (accept policy and
        // connection notifications), not MHD_OPTION_PER_IP_CONNECTION_LIMIT: it spares
        // trusted proxies.
        if configuration.threads > 1 {
            options.append(MHD_OptionItem(option: MHD_OPTION.THREAD_POOL_SIZE, value: configuration.threads,
                                          ptr_value: nil))
        }
        options.append(MHD_OptionItem(option: MHD_OPTION.END, value: 0, ptr_value: nil))

        var flags = MHD_USE_AUTO_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_ERROR_LOG.rawValue
        if socket.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        let daemon = options.withUnsafeBufferPointer { items in
            galley_mhd_start(UInt32(flags), 0, galleyAccessHandler, cls, galleyRequestCompleted, cls,
                             galleyAcceptPolicy, galleyConnectionNotify, items.baseAddress)
        }
        guard let daemon else {
            Unmanaged<HTTPServerCore>.fromOpaque(cls).release()
            return nil
        }
        return MHDDaemonHandle(pointer: daemon)
    }
}
