import GalleyCore
import GalleyPostgres
import GalleyRedis

/// Outcomes of a sweep or a replay, counted by status; `description` is the summary line
/// `WebhookWorker replay --parked` prints.
public struct WebhookReplaySummary: Sendable, Hashable, CustomStringConvertible {
    public private(set) var counts: [WebhookOutcome.Status: Int] = [:]

    public init() {}

    public mutating func add(_ outcome: WebhookOutcome) { counts[outcome.status, default: 0] += 1 }

    public var total: Int { counts.values.reduce(0, +) }
    public subscript(status: WebhookOutcome.Status) -> Int { counts[status] ?? 0 }

    public var description: String {
        let parts: [WebhookOutcome.Status] = [.processed, .ignored, .parked, .failed, .alreadyDone, .skipped, .notFound]
        return "replayed \(total) events: " + parts.map { "\($0.rawValue) \(self[$0])" }.joined(separator: ", ")
    }
}
