public import GalleyHTTP

/// An ``HTTPServer`` as a service: listens when run (a port that cannot be bound is a
/// dependency unavailable at start), drains requests in flight when stopped.
public struct HTTPServerService: Service {
    public let name: String
    public let server: HTTPServer
    /// How long requests in flight may take once stopping began.
    public let drainDeadline: Duration
    private let stopped = ShutdownLatch()
    /// Runs once the server listens (metrics that read the server, a startup log line).
    private let onListening: @Sendable (HTTPServer) -> Void

    public init(_ name: String, server: HTTPServer, drainDeadline: Duration,
                onListening: @escaping @Sendable (HTTPServer) -> Void = { _ in }) {
        self.name = name
        self.server = server
        self.drainDeadline = drainDeadline
        self.onListening = onListening
    }

    public func run() async throws {
        let server = self.server
        do {
            try server.start()
        } catch {
            throw ProcessFailure.unavailable("\(name) on port \(server.configuration.port)", error)
        }
        onListening(server)
        await stopped.wait()
        let deadline = drainDeadline
        try await onOwnThread("http-drain") { server.shutdown(deadline: deadline) }
    }

    public func beginShutdown() -> Bool {
        stopped.trigger()
        return true
    }
}
