import GalleyCore

/// Why an ``HTTPServer`` could not start. `description` names the kind only;
/// `debugDescription` adds the address and the system's reason for logs.
public struct HTTPServerError: Error, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Equatable {
        case alreadyStarted, invalidAddress, addressInUse, permissionDenied, listenFailed, startFailed
    }

    private let code: Code
    private let detail: String

    private init(_ code: Code, detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// `start()` was called on a server that was started before.
    public static let alreadyStarted = HTTPServerError(.alreadyStarted)
    /// The host is not an address and does not resolve, or the port is out of range.
    public static let invalidAddress = HTTPServerError(.invalidAddress)
    /// Another socket already listens on the address and port.
    public static let addressInUse = HTTPServerError(.addressInUse)
    /// The process may not bind that port (privileged port, sandbox).
    public static let permissionDenied = HTTPServerError(.permissionDenied)
    /// Creating, binding or listening on the socket failed for another reason.
    public static let listenFailed = HTTPServerError(.listenFailed)
    /// libmicrohttpd refused to start the daemon (threads, memory, options).
    public static let startFailed = HTTPServerError(.startFailed)

    /// The same kind with details for `debugDescription`.
    func with(detail: String) -> HTTPServerError { HTTPServerError(code, detail: detail) }

    public static func == (a: HTTPServerError, b: HTTPServerError) -> Bool { a.code == b.code }

    public var description: String {
        switch code {
        case .alreadyStarted: "HTTP server already started"
        case .invalidAddress: "HTTP server address is invalid"
        case .addressInUse: "HTTP server address already in use"
        case .permissionDenied: "HTTP server may not bind that address"
        case .listenFailed: "HTTP server could not listen"
        case .startFailed: "HTTP server (libmicrohttpd) failed to start"
        }
    }

    public var debugDescription: String {
        detail.isEmpty ? description : "\(description): \(detail)"
    }
}
