import GalleyCore

/// A storage operation that failed. `description` names the kind only (never a key,
/// URL or credential); `debugDescription` adds details for logs.
public struct StorageError: Error, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Equatable {
        case notConfigured, invalidKey, invalidArgument, upstream, transport, tooLarge, io
    }

    private let code: Code
    /// The HTTP status the object store (or a copy source) answered, for `upstream`.
    public let status: Int?
    private let detail: String

    private init(_ code: Code, status: Int? = nil, detail: String = "") {
        self.code = code
        self.status = status
        self.detail = detail
    }

    /// A setting the backend needs is missing (the gateway answers 500001).
    public static let notConfigured = StorageError(.notConfigured)
    /// The key is not `[A-Za-z0-9._/-]`, empty, over 512 characters, absolute or climbing.
    public static let invalidKey = StorageError(.invalidKey)
    /// An expiry, content type or source URL that cannot be used.
    public static let invalidArgument = StorageError(.invalidArgument)
    /// The network failed before an HTTP answer arrived.
    public static let transport = StorageError(.transport)
    /// An object (or a copy source) is larger than the configured cap.
    public static let tooLarge = StorageError(.tooLarge)
    /// The local file system failed.
    public static let io = StorageError(.io)

    /// The object store or copy source answered with a non-2xx `status`.
    public static func upstream(status: Int) -> StorageError { StorageError(.upstream, status: status) }

    package static func notConfigured(_ detail: String) -> StorageError { StorageError(.notConfigured, detail: detail) }
    package static func invalidKey(_ detail: String) -> StorageError { StorageError(.invalidKey, detail: detail) }
    package static func invalidArgument(_ detail: String) -> StorageError { StorageError(.invalidArgument, detail: detail) }
    package static func transport(_ detail: String) -> StorageError { StorageError(.transport, detail: detail) }
    package static func tooLarge(_ detail: String) -> StorageError { StorageError(.tooLarge, detail: detail) }
    package static func io(_ detail: String) -> StorageError { StorageError(.io, detail: detail) }
    package static func upstream(status: Int, _ detail: String) -> StorageError { StorageError(.upstream, status: status, detail: detail) }

    /// Same kind (and status, for `upstream`); details do not take part.
    public static func == (a: StorageError, b: StorageError) -> Bool {
        a.code == b.code && a.status == b.status
    }

    public var description: String {
        switch code {
        case .notConfigured: "storage error: object storage is not configured"
        case .invalidKey: "storage error: invalid object key"
        case .invalidArgument: "storage error: invalid argument"
        case .upstream: "storage error: object store answered HTTP \(status ?? 0)"
        case .transport: "storage error: object store unreachable"
        case .tooLarge: "storage error: object too large"
        case .io: "storage error: local file system failure"
        }
    }

    public var debugDescription: String { detail.isEmpty ? description : "\(description): \(detail)" }
}
