import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage

/// Why the worker could not settle a stream entry now. The entry stays pending and is
/// delivered again; after too many deliveries it is dead-lettered.
public struct EmojiProcessingError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    private enum Code: Sendable { case malformedEntry, unknownTask, leaseLost, storeFailed }
    private let code: Code
    private let detail: String

    /// The entry has no usable `task_id`.
    public static func malformedEntry(_ detail: String) -> EmojiProcessingError { EmojiProcessingError(code: .malformedEntry, detail: detail) }
    /// No task row has the entry's id.
    public static func unknownTask(_ taskID: Int64) -> EmojiProcessingError { EmojiProcessingError(code: .unknownTask, detail: "task \(taskID)") }
    /// Another worker took the task over; it finishes it.
    public static func leaseLost(_ taskID: Int64) -> EmojiProcessingError { EmojiProcessingError(code: .leaseLost, detail: "task \(taskID)") }
    /// The finished video could not be stored; a later delivery tries again.
    public static func storeFailed(_ detail: String) -> EmojiProcessingError { EmojiProcessingError(code: .storeFailed, detail: detail) }

    public var isMalformedEntry: Bool { code == .malformedEntry }
    public var isUnknownTask: Bool { code == .unknownTask }
    public var isLeaseLost: Bool { code == .leaseLost }
    public var isStoreFailed: Bool { code == .storeFailed }

    public var description: String {
        switch code {
        case .malformedEntry: "emoji stream entry is malformed"
        case .unknownTask: "emoji task not found"
        case .leaseLost: "emoji task lease lost to another worker"
        case .storeFailed: "emoji result could not be stored"
        }
    }

    public var debugDescription: String { "\(description): \(detail)" }
}
