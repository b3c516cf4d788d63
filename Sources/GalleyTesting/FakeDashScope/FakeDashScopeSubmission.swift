public import Foundation
public import GalleyCore

/// One accepted submission as the fake DashScope saw it: when it arrived and which task
/// id it answered. The chaos checker matches these against the task ids Galley stored,
/// to tell a resubmission after a kill (the first id never stored) from a real double.
public struct FakeDashScopeSubmission: Sendable, Hashable {
    public var imageURL: String
    public var taskID: String
    /// Arrival, seconds since 1970 (the machine's clock, as the harness reads it).
    public var at: Double

    public init(imageURL: String, taskID: String, at: Date) {
        self.imageURL = imageURL
        self.taskID = taskID
        self.at = at.timeIntervalSince1970
    }

    public var json: JSONValue {
        .object(JSONObject([("image_url", .string(imageURL)), ("task_id", .string(taskID)), ("at", .double(at))]))
    }
}

/// The submissions in arrival order, bounded so a long benchmark does not grow without end.
struct FakeDashScopeSubmissionLog: Sendable {
    static let capacity = 200_000
    private(set) var entries: [FakeDashScopeSubmission] = []
    private(set) var dropped = 0

    mutating func append(_ entry: FakeDashScopeSubmission) {
        guard entries.count < FakeDashScopeSubmissionLog.capacity else {
            dropped += 1
            return
        }
        entries.append(entry)
    }

    var json: JSONValue {
        .object(JSONObject([("submissions", .array(entries.map(\.json))), ("dropped", .int(Int64(dropped)))]))
    }
}
