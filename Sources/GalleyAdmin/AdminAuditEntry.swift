public import Foundation
public import GalleyCore

/// One row of `admin_audit`: who did what to which target, with the state before and after.
public struct AdminAuditEntry: AdminJSONRepresentable {
    public var id: Int64
    public var at: Date
    public var actor: String
    /// e.g. `points.adjust`, `dead.replay`, `dead.delete`, `task.retry`, `event.replay`, `reward.start`.
    public var action: String
    /// e.g. `user:123`, `emoji_tasks:dead/1700000000000-0`, `task:456`, `event:abc`, `week:2026-W47`.
    public var target: String
    public var before: JSONValue?
    public var after: JSONValue?

    public init(id: Int64, at: Date, actor: String, action: String, target: String, before: JSONValue?, after: JSONValue?) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.before = before
        self.after = after
    }

    public var json: JSONValue {
        ["id": .int(id), "at": .string(Timestamp.iso8601(at)), "actor": .string(actor), "action": .string(action),
         "target": .string(target), "before": before ?? .null, "after": after ?? .null]
    }
}

/// Filters of the audit page; nil matches everything.
public struct AdminAuditQuery: Sendable, Hashable {
    public var actor: String?
    public var action: String?
    public var target: String?

    public init(actor: String? = nil, action: String? = nil, target: String? = nil) {
        self.actor = actor
        self.action = action
        self.target = target
    }
}
