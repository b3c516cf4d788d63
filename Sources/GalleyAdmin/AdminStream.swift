/// The work streams the console watches, with their consumer group and dead-letter stream
/// (the contract's Queues table: `<stream>:dead` holds the original fields plus `reason`,
/// `deliveries` and `original_id`).
public enum AdminStream: String, Sendable, Hashable, CaseIterable {
    case emojiTasks = "emoji_tasks"
    case webhookEvents = "webhook_events"

    public var group: String {
        switch self {
        case .emojiTasks: "emoji_worker"
        case .webhookEvents: "webhook_worker"
        }
    }

    public var deadLetterStream: String { rawValue + ":dead" }

    /// Accepts `emoji_tasks`, `emoji_tasks:dead`, and the short forms `emoji` / `webhook`.
    public init?(name: String) {
        let base = name.hasSuffix(":dead") ? String(name.dropLast(5)) : name
        switch base {
        case "emoji_tasks", "emoji", "tasks": self = .emojiTasks
        case "webhook_events", "webhook", "webhooks", "events": self = .webhookEvents
        default: return nil
        }
    }
}
