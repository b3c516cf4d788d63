import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// How the WebhookWorker treats events: sandbox gating and the parking schedule.
public struct WebhookApplierConfiguration: Sendable {
    /// Apply `environment = SANDBOX` events (`WEBHOOK_APPLY_SANDBOX`, default true everywhere, as
    /// the original: App Review and TestFlight buy in the sandbox against production).
    public var applySandboxEvents: Bool
    /// Delays before the next try of a parked event, by attempt; the last one repeats.
    /// 1 min, 5 min, 15 min, 1 h, then every 6 h.
    public var parkBackoffSeconds: [Int]
    /// After this many attempts a parked event stops being retried on its own (about
    /// 4 days with the default schedule); operators see it and `replay` re-drives it.
    public var maxParkAttempts: Int

    public init(applySandboxEvents: Bool, parkBackoffSeconds: [Int] = [60, 300, 900, 3600, 21_600], maxParkAttempts: Int = 20) {
        self.applySandboxEvents = applySandboxEvents
        self.parkBackoffSeconds = parkBackoffSeconds.isEmpty ? [60] : parkBackoffSeconds
        self.maxParkAttempts = max(1, maxParkAttempts)
    }

    /// The delay after the `attempts`-th failed try (1-based).
    public func backoffSeconds(afterAttempt attempts: Int) -> Int {
        parkBackoffSeconds[min(max(attempts, 1), parkBackoffSeconds.count) - 1]
    }
}
