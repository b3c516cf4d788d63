import GalleyCore

/// An outbound request that got no usable answer. `code` says what kind; `description`
/// names the kind only (never a URL, header or body), `debugDescription` adds libcurl's text.
public struct HTTPClientError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The request cannot be sent: not an http(s) URL, a header with a line break.
        case invalidRequest
        /// No answer: connection refused or reset, DNS, TLS.
        case transport
        /// The deadline passed before the whole answer arrived.
        case timeout
        /// The answer's body exceeds the request's ``HTTPClientRequest/maxResponseBytes``.
        case tooLarge
        /// The client was shut down before the answer arrived.
        case shutdown
    }

    public let code: Code
    private let detail: String

    package init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    /// Network failures and timeouts may succeed on a retry; the others will not.
    public var isRetryable: Bool { code == .transport || code == .timeout }

    public var description: String {
        switch code {
        case .invalidRequest: "HTTP client: invalid request"
        case .transport: "HTTP client: no answer (connection failed)"
        case .timeout: "HTTP client: deadline exceeded"
        case .tooLarge: "HTTP client: answer too large"
        case .shutdown: "HTTP client: shut down"
        }
    }

    public var debugDescription: String { detail.isEmpty ? description : "\(description): \(detail)" }
}
