import GalleyCore

/// The summary form of XPENDING: how much a group has delivered but not acknowledged.
public struct PendingSummary: Sendable, Hashable {
    public var count: Int64
    public var smallestID: String?
    public var largestID: String?
    /// Pending messages per consumer.
    public var consumers: [String: Int64]

    public init(count: Int64, smallestID: String?, largestID: String?, consumers: [String: Int64]) {
        self.count = count
        self.smallestID = smallestID
        self.largestID = largestID
        self.consumers = consumers
    }
}
