import GalleyCore

/// How a worker consumes its stream. Defaults suit the webhook worker; the emoji
/// worker raises concurrency and lengthens the claim idle time.
public struct StreamConsumerConfiguration: Sendable {
    public var stream: String
    public var group: String
    public var consumer: String
    /// Entries handled at once by this process.
    public var concurrency: Int = 16
    /// How long one XREADGROUP waits for new entries.
    public var readBlock: Duration = .seconds(2)
    /// An entry un-acked this long belongs to a dead consumer and is claimed. Live
    /// consumers refresh their entries every ``heartbeatInterval``, so this only has to
    /// exceed a heartbeat comfortably, not the longest job.
    public var claimMinIdle: Duration = .seconds(120)
    public var claimInterval: Duration = .seconds(10)
    public var heartbeatInterval: Duration = .seconds(20)
    /// Deliveries after which an entry goes to `<stream>:dead`.
    public var maxDeliveries: Int = 5
    /// On shutdown, how long in-flight entries may take before they are left for another consumer.
    public var shutdownDeadline: Duration = .seconds(30)
    /// Approximate cap on the dead-letter stream's length.
    public var deadLetterMaxLength: Int = 100_000

    public init(stream: String, group: String, consumer: String) {
        self.stream = stream
        self.group = group
        self.consumer = consumer
    }

    public var deadLetterStream: String { stream + ":dead" }
}
