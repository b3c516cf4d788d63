import GalleyCore

/// One stream message as XREADGROUP / XAUTOCLAIM deliver it.
public struct StreamEntry: Sendable, Hashable {
    public var id: String
    /// Field values as UTF-8 text; a repeated field keeps its last value.
    public var fields: [String: String]
    /// The message was deleted (XDEL, MAXLEN trim) while still pending: Redis returns its id
    /// with no fields. Consumers should XACK it and move on.
    public var isDeleted: Bool

    public init(id: String, fields: [String: String], isDeleted: Bool = false) {
        self.id = id
        self.fields = fields
        self.isDeleted = isDeleted
    }
}
