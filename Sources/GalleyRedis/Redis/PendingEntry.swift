import GalleyCore

/// One message of a group's pending entries list (the extended XPENDING form).
public struct PendingEntry: Sendable, Hashable {
    public var id: String
    public var consumer: String
    /// Time since it was last delivered to a consumer.
    public var idleMilliseconds: Int64
    /// How many times it was delivered: the retry count that dead-lettering is based on.
    public var deliveries: Int64

    public init(id: String, consumer: String, idleMilliseconds: Int64, deliveries: Int64) {
        self.id = id
        self.consumer = consumer
        self.idleMilliseconds = idleMilliseconds
        self.deliveries = deliveries
    }
}
