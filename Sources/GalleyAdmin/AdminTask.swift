public import Foundation
public import GalleyCore

/// How to find tasks: by the user, their device, the task id, or DashScope's task id.
public enum AdminTaskQuery: Sendable, Hashable {
    case user(Int64)
    case device(String)
    case task(Int64)
    case providerTask(String)
}

/// One row of `emoji_tasks`, as the task list shows it.
public struct AdminTaskSummary: AdminJSONRepresentable {
    public var id: Int64
    public var userID: Int64
    public var status: String
    public var pointsCost: Int
    public var drivenID: String
    public var providerTaskID: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var createdAt: Date
    public var completedAt: Date?
    public var refundedAt: Date?
    /// Hidden from the user's history (deleted by them).
    public var hidden: Bool

    public init(id: Int64, userID: Int64, status: String, pointsCost: Int, drivenID: String, providerTaskID: String?,
                errorCode: String?, errorMessage: String?, createdAt: Date, completedAt: Date?, refundedAt: Date?, hidden: Bool) {
        self.id = id
        self.userID = userID
        self.status = status
        self.pointsCost = pointsCost
        self.drivenID = drivenID
        self.providerTaskID = providerTaskID
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.refundedAt = refundedAt
        self.hidden = hidden
    }

    public var json: JSONValue {
        [
            "id": .int(id), "user_id": .int(userID), "status": .string(status), "points_cost": JSONValue(pointsCost),
            "driven_id": .string(drivenID), "provider_task_id": JSONValue(providerTaskID),
            "error_code": JSONValue(errorCode), "error_message": JSONValue(errorMessage),
            "created_at": .string(Timestamp.iso8601(createdAt)),
            "completed_at": JSONValue(completedAt) { .string(Timestamp.iso8601($0)) },
            "refunded_at": JSONValue(refundedAt) { .string(Timestamp.iso8601($0)) },
            "hidden": .bool(hidden),
        ]
    }
}

/// A task with everything the rows say about it and its timeline.
public struct AdminTaskDetail: AdminJSONRepresentable {
    public var task: AdminTaskSummary
    public var sourceImageURL: String
    public var resultURL: String?
    public var providerStatus: String?
    public var worker: String?
    public var leaseUntil: Date?
    /// Steps in order; a step with no row behind it is absent (never invented).
    public var timeline: [AdminTimelineStep]
    /// The ledger rows of this task (its charge, its refund).
    public var ledger: [AdminLedgerRow]

    public init(task: AdminTaskSummary, sourceImageURL: String, resultURL: String?, providerStatus: String?,
                worker: String?, leaseUntil: Date?, timeline: [AdminTimelineStep], ledger: [AdminLedgerRow]) {
        self.task = task
        self.sourceImageURL = sourceImageURL
        self.resultURL = resultURL
        self.providerStatus = providerStatus
        self.worker = worker
        self.leaseUntil = leaseUntil
        self.timeline = timeline
        self.ledger = ledger
    }

    public var json: JSONValue {
        [
            "task": task.json, "source_image_url": .string(sourceImageURL), "result_url": JSONValue(resultURL),
            "provider_status": JSONValue(providerStatus), "worker": JSONValue(worker),
            "lease_until": JSONValue(leaseUntil) { .string(Timestamp.iso8601($0)) },
            "timeline": .array(timeline.map(\.json)), "ledger": .array(ledger.map(\.json)),
        ]
    }
}

/// One step of a task's life: `created`, `charged`, `enqueued`, `picked_up`, `submitted`,
/// `polled`, `finished`, `refunded`.
public struct AdminTimelineStep: AdminJSONRepresentable {
    public var step: String
    /// nil when the row proves the step happened but not when (e.g. an outbox row already sent).
    public var at: Date?
    public var detail: String?

    public init(step: String, at: Date?, detail: String? = nil) {
        self.step = step
        self.at = at
        self.detail = detail
    }

    public var json: JSONValue {
        ["step": .string(step), "at": JSONValue(at) { .string(Timestamp.iso8601($0)) }, "detail": JSONValue(detail)]
    }
}

/// What retrying a failed task did: a new task, charged now, enqueued.
public struct AdminTaskRetry: AdminJSONRepresentable {
    public var originalTaskID: Int64
    public var newTaskID: Int64
    public var pointsCharged: Int
    public var balanceAfter: Int?

    public init(originalTaskID: Int64, newTaskID: Int64, pointsCharged: Int, balanceAfter: Int?) {
        self.originalTaskID = originalTaskID
        self.newTaskID = newTaskID
        self.pointsCharged = pointsCharged
        self.balanceAfter = balanceAfter
    }

    public var json: JSONValue {
        ["original_task_id": .int(originalTaskID), "new_task_id": .int(newTaskID),
         "points_charged": JSONValue(pointsCharged), "balance_after": JSONValue(balanceAfter)]
    }
}
