import GalleyRuntime

/// The outbox relay as a service: its thread runs until the group stops it; then the
/// publisher stops and one last pass deletes what requests sent.
struct OutboxRelayService: Service {
    let relay: OutboxRelay
    let publisher: OutboxPublisher
    private let stopped = ShutdownLatch()

    init(relay: OutboxRelay, publisher: OutboxPublisher) {
        self.relay = relay
        self.publisher = publisher
    }

    var name: String { "outbox relay" }

    func run() async throws {
        relay.start()
        await stopped.wait()
        let (relay, publisher) = (self.relay, self.publisher)
        try await onOwnThread("outbox-stop") {
            publisher.stop()
            relay.stop()
        }
    }

    func beginShutdown() -> Bool {
        stopped.trigger()
        return true
    }
}
