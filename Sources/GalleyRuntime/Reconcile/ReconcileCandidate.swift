public import Foundation

/// A row the database says still needs its consumer, with the stream entry that would
/// make the consumer look at it again.
public struct ReconcileCandidate: Sendable {
    /// The row's id as the log line and the re-send marker name it.
    public var key: String
    public var createdAt: Date
    /// The entry's fields, as the contract's producer writes them.
    public var fields: [(String, String)]

    public init(key: String, createdAt: Date, fields: [(String, String)]) {
        self.key = key
        self.createdAt = createdAt
        self.fields = fields
    }
}
