import Foundation
public import GalleyCore

/// How an ``HTTPServer`` listens and how much it lets one client use.
///
/// Limits live here rather than in the responder because libmicrohttpd enforces
/// them before any request reaches Swift (connection counts, header memory, idle time).
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: IPv4 or IPv6 text ("0.0.0.0", "::" for both families) or a host name.
    public var host: String
    /// TCP port; 0 picks a free one (read ``HTTPServer/port`` after start).
    public var port: Int
    /// libmicrohttpd's polling threads; they parse and write, handlers run elsewhere.
    public var threads: Int
    /// Threads that run ``HTTPResponder/respond(to:)`` for requests not answered inline.
    public var handlerThreads: Int
    /// Open connections at most; further ones are closed right after accept.
    public var connectionLimit: Int
    /// Open connections per client (TCP peer) address at most; 0 means no limit. On by
    /// default, high enough for many phones behind one carrier NAT.
    public var perIPConnectionLimit: Int
    /// Peers the per-address cap spares: trusted proxies (`FORWARDED_ALLOW_IPS`), whose
    /// one address carries many clients. Empty by default: every peer is capped.
    public var perIPLimitExemptPeers: ForwardedAllowList?
    /// Seconds from the request line to the end of the headers, and from the end of the
    /// headers to the end of the body: absolute, so a client sending a byte every few
    /// seconds (slowloris) cannot hold a connection past them. Over: the connection closes.
    public var headDeadlineSeconds: Int
    public var bodyDeadlineSeconds: Int
    /// Bodies larger than this (or of undeclared length) are admitted by
    /// ``HTTPResponder/admit(head:)`` before a byte of them is read.
    public var admissionThreshold: Int
    /// Seconds a connection may sit idle (keep-alive or a slow sender) before it is closed.
    public var connectionTimeoutSeconds: Int
    /// Bytes per connection for the request line, headers and read buffer; larger
    /// headers are answered 431/414 by libmicrohttpd itself.
    public var headerMemoryLimit: Int
    /// Length of the kernel's queue of connections not yet accepted.
    public var listenBacklog: Int
    /// Body limit used when ``HTTPResponder/bodyLimit(method:path:)`` returns a negative value.
    public var defaultBodyLimit: Int

    /// Cores this process may use: the default for ``threads``.
    public static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    public init(
        host: String = "0.0.0.0",
        port: Int = 8000,
        threads: Int = HTTPServerConfiguration.activeCores,
        handlerThreads: Int = 32,
        connectionLimit: Int = 4096,
        perIPConnectionLimit: Int = 256,
        connectionTimeoutSeconds: Int = 30,
        headerMemoryLimit: Int = 32 * 1024,
        listenBacklog: Int = 1024,
        defaultBodyLimit: Int = 1024 * 1024,
        headDeadlineSeconds: Int = 30,
        bodyDeadlineSeconds: Int = 300,
        admissionThreshold: Int = 64 * 1024
    ) {
        self.headDeadlineSeconds = headDeadlineSeconds
        self.bodyDeadlineSeconds = bodyDeadlineSeconds
        self.admissionThreshold = admissionThreshold
        self.host = host
        self.port = port
        self.threads = threads
        self.handlerThreads = handlerThreads
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.headerMemoryLimit = headerMemoryLimit
        self.listenBacklog = listenBacklog
        self.defaultBodyLimit = defaultBodyLimit
    }
}
