import Foundation
import GalleyCore
import GalleyPostgres

/// The worker's three per-task writes on the hot path (claim at pickup, the provider's
/// task id after a submission, `completed` at the end) as batched statements: 10 000
/// pickups in a burst become a few dozen UPDATEs, not 10 000 waits for a pooled session.
/// Each caller still waits for its own row's outcome before going on, so the order of
/// one task's steps is unchanged (in particular its provider task id is stored before
/// it is polled or anything else happens to it).
final class EmojiTaskBatches: Sendable {
    let claims: StatementBatcher<Int64, EmojiTaskStore.ClaimOutcome>
    let submissions: StatementBatcher<EmojiTaskStore.Submission, Date?>
    let completions: StatementBatcher<EmojiTaskStore.Completion, Bool>

    /// `maxBatch` rows per statement, `maxRunning` statements of each kind at once.
    init(store: EmojiTaskStore, worker: String, lease: Duration, maxBatch: Int = 500, maxRunning: Int = 2) {
        claims = StatementBatcher(maxBatch: maxBatch, maxRunning: maxRunning) { ids in
            try await store.claim(taskIDs: ids, worker: worker, lease: lease)
        }
        submissions = StatementBatcher(maxBatch: maxBatch, maxRunning: maxRunning) { rows in
            try await store.recordSubmissions(rows, worker: worker, lease: lease)
        }
        completions = StatementBatcher(maxBatch: maxBatch, maxRunning: maxRunning) { rows in
            try await store.complete(rows)
        }
    }
}
