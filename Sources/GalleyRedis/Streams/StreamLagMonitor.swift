public import GalleyCore

/// Publishes a consumer group's backlog as `galley_stream_lag{stream,group}` (entries not
/// yet delivered) and `galley_stream_pending{stream,group}` (delivered, not yet acked),
/// read with XINFO GROUPS every few seconds: what an autoscaler watches.
public final class StreamLagMonitor: Sendable {
    public let stream: String
    public let group: String
    public let interval: Duration
    private let redis: RedisPool
    private let lag: Gauge
    private let pending: Gauge
    private let logger: Logger

    public init(redis: RedisPool, stream: String, group: String, interval: Duration = .seconds(5),
                registry: MetricsRegistry = .shared, logger: Logger) {
        self.redis = redis
        self.stream = stream
        self.group = group
        self.interval = interval
        self.logger = logger
        let labels: MetricsRegistry.Labels = [("stream", stream), ("group", group)]
        lag = registry.gauge("galley_stream_lag", help: "Entries in the stream not yet delivered to the group.", labels: labels)
        pending = registry.gauge("galley_stream_pending", help: "Entries delivered to the group and not yet acknowledged.", labels: labels)
    }

    /// Samples until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await sampleNow()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// One sample; a failure keeps the last values and is logged at debug level.
    public func sampleNow() async {
        let stream = self.stream
        let group = self.group
        do {
            let info = try await redis.withConnection { connection in
                try connection.xinfoGroups(stream).first { $0.name == group }
            }
            guard let info else { return }
            pending.set(Double(info.pending))
            if let value = info.lag { lag.set(Double(value)) }
        } catch {
            logger.debug("stream lag sample failed", ["stream": stream, "error": String(describing: error)])
        }
    }
}
