/// Why a WeChat Pay operation failed. `description` names the kind only (never a key,
/// a body or a signature); `debugDescription` may carry details for logs.
public struct WeChatPayError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A key, certificate or setting could not be used.
        case invalidKey
        /// libcrypto refused an operation (signing, a cipher step).
        case crypto
        /// A signature did not verify, or named a key Galley does not have.
        case badSignature
        /// A notification or answer older (or newer) than the allowed window.
        case staleTimestamp
        /// AES-256-GCM decryption failed: wrong key, nonce, associated data or a tampered text.
        case decryption
        /// A notification, resource or answer that is not what the v3 API sends.
        case invalidMessage
        /// WeChat Pay answered with an error status (its own `code` is in the detail).
        case rejected
        /// The request did not reach WeChat Pay or its answer did not come back.
        case transport
    }

    public let code: Code
    /// WeChat Pay's HTTP status for `.rejected`.
    public var status: Int?
    /// WeChat Pay's own error code (`ORDER_NOT_EXIST`, `PARAM_ERROR`) for `.rejected`.
    public var remoteCode: String?
    private var detail: String?

    package init(_ code: Code, _ detail: String? = nil, status: Int? = nil, remoteCode: String? = nil) {
        self.code = code
        self.detail = detail
        self.status = status
        self.remoteCode = remoteCode
    }

    public static func == (a: WeChatPayError, b: WeChatPayError) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "WeChat Pay error: \(code.rawValue)" }
    public var debugDescription: String {
        var text = description
        if let status { text += " (HTTP \(status)\(remoteCode.map { " \($0)" } ?? ""))" }
        if let detail { text += ": \(detail)" }
        return text
    }
}
