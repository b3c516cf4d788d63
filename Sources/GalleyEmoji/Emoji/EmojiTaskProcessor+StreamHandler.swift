import GalleyCore
import GalleyPostgres
public import GalleyRedis
import GalleyStorage

/// The processor as the `emoji_tasks` consumer's handler: an entry names a task row.
extension EmojiTaskProcessor: StreamHandler {
    public func handle(_ entry: StreamEntry, deliveries: Int) async throws {
        let taskID = try EmojiTaskProcessor.taskID(of: entry)
        let outcome = try await process(taskID: taskID)
        if outcome == .deferred { requeueLater(entry) }
        logger.debug("entry handled", ["entry": entry.id, "task_id": String(taskID), "outcome": "\(outcome)"])
    }

    /// Fails and refunds the task of an entry delivered too often, unless another live
    /// worker holds it (then that worker finishes it). An entry without a task has nothing
    /// to settle.
    public func settleDeadLetter(_ entry: StreamEntry, deliveries: Int, reason: String) async throws {
        guard let taskID = try? EmojiTaskProcessor.taskID(of: entry) else { return }
        let outcome = try await store.fail(
            taskID: taskID, code: "DeadLettered", message: "gave up on the task: \(reason)", providerStatus: nil,
            unlessLeasedByOthers: configuration.workerID)
        if case .failed = outcome { metrics.failed(.deadLetter) }
        logger.error("task dead-lettered", ["task_id": String(taskID), "outcome": "\(outcome)"])
    }

    /// Puts a deferred task's entry back on the stream after ``EmojiWorkerConfiguration/shareRetry``
    /// (±25 %), holding no consumer slot meanwhile; its old entry is acked. Should the
    /// process stop before then, the task (`processing`, lease released) is re-enqueued by
    /// ``EmojiTaskSweeper``.
    func requeueLater(_ entry: StreamEntry) {
        guard let share else { return }
        let delay = configuration.shareRetry * Double.random(in: 0.75...1.25)
        let stream = configuration.taskStream
        let fields = entry.fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let logger = self.logger
        Task.detached {
            try? await Task.sleep(for: delay)
            do {
                _ = try await share.redis.withConnection { try $0.xadd(stream, maxLength: nil, fields: fields) }
            } catch {
                logger.warning("could not put a deferred task back; the sweeper will", ["entry": entry.id, "error": String(describing: error)])
            }
        }
    }

    /// The entry's `task_id`: a positive decimal id, or the entry is malformed.
    static func taskID(of entry: StreamEntry) throws(EmojiProcessingError) -> Int64 {
        guard let text = entry.fields["task_id"] else { throw .malformedEntry("no task_id") }
        guard let id = Int64(text.trimmingWhitespace()), id > 0 else { throw .malformedEntry("task_id is not an id") }
        return id
    }
}
