import GalleyCore

/// One consumer group as XINFO GROUPS describes it, for the stream lag/pending gauges.
public struct StreamGroupInfo: Sendable, Hashable {
    public var name: String
    public var consumers: Int64
    /// Delivered but not yet acknowledged.
    public var pending: Int64
    public var lastDeliveredID: String
    /// Entries the group has read (Redis 7+; nil before, or when Redis cannot tell).
    public var entriesRead: Int64?
    /// Entries not yet delivered to the group (Redis 7+; nil when Redis cannot tell,
    /// e.g. after deletions or on Redis 6).
    public var lag: Int64?

    public init(
        name: String, consumers: Int64, pending: Int64, lastDeliveredID: String,
        entriesRead: Int64? = nil, lag: Int64? = nil
    ) {
        self.name = name
        self.consumers = consumers
        self.pending = pending
        self.lastDeliveredID = lastDeliveredID
        self.entriesRead = entriesRead
        self.lag = lag
    }
}
