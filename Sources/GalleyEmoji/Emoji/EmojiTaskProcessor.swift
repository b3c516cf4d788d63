import Foundation
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime
import GalleyLedger

/// One emoji task from pickup to `completed` or `failed`, safe to run twice and from
/// several workers at once:
///
/// 1. skip a terminal task; take the task's database lease (another live worker's lease
///    means "wait": it is working on it) and mark it `processing`;
/// 2. with no provider task id yet: wait for a fleet-wide submit slot, submit, and
///    store the provider's task id before anything else, so a restart resumes polling
///    instead of paying for a second generation;
/// 3. poll every ``EmojiWorkerConfiguration/pollInterval`` until a terminal status or the
///    timeout counted from the persisted `submitted_at`;
/// 4. on success copy the video to storage and mark `completed`; on failure, timeout or
///    a provider `UNKNOWN` mark `failed` and refund through the ledger, once.
///
/// Waiting (for the provider, a submit slot, a backoff) is `Task.sleep`: a task in flight
/// holds no thread, so one process can hold a thousand.
public final class EmojiTaskProcessor: Sendable {
    public let configuration: EmojiWorkerConfiguration
    public let store: EmojiTaskStore
    public let leases: EmojiLeaseKeeper
    public let metrics: EmojiWorkerMetrics
    let provider: any EmojiProvider
    let results: any EmojiResultSink
    let limiter: SubmitRateLimiter?
    /// Each user's share of the provider; nil: no per-user cap.
    let share: UserSubmitShare?
    /// Bounds submissions sent and not yet stored (``EmojiWorkerConfiguration/submitsInFlight``).
    let submitSlots: AsyncSemaphore
    /// Claims, stored submissions and completions, many tasks per statement.
    let batches: EmojiTaskBatches
    /// Tasks between pickup and their stored submission: a pickup waits here, still
    /// `pending`, so a burst of entries is claimed only as fast as it can be submitted.
    let submitWindow: AsyncSemaphore
    /// Videos being copied to storage at once: tasks finishing together (a wave submitted
    /// in the same seconds) take turns instead of queueing thousands of downloads.
    let storeGate = AsyncSemaphore(permits: 64)
    let logger: Logger

    public init(configuration: EmojiWorkerConfiguration, store: EmojiTaskStore, provider: any EmojiProvider,
                results: any EmojiResultSink, limiter: SubmitRateLimiter?, leases: EmojiLeaseKeeper? = nil,
                metrics: EmojiWorkerMetrics = EmojiWorkerMetrics(), logger: Logger, share: UserSubmitShare? = nil) {
        self.configuration = configuration
        self.store = store
        self.provider = provider
        self.results = results
        self.limiter = limiter
        self.share = share
        self.leases = leases ?? EmojiLeaseKeeper(store: store, worker: configuration.workerID, lease: configuration.leaseDuration, logger: logger)
        self.metrics = metrics
        self.submitSlots = AsyncSemaphore(permits: max(1, configuration.submitsInFlight))
        self.logger = logger
        self.batches = EmojiTaskBatches(store: store, worker: configuration.workerID, lease: configuration.leaseDuration)
        self.submitWindow = AsyncSemaphore(permits: configuration.submitWindow)
    }

    /// Drives task `taskID` to a terminal state. Throws when it cannot now (unknown task,
    /// lease lost, storage or database down, cancellation at shutdown): the stream entry
    /// then stays pending for a later delivery.
    public func process(taskID: Int64) async throws -> EmojiTaskOutcome {
        guard let (task, window) = try await acquire(taskID) else {
            // acquire returns nil only for a terminal task.
            return .alreadyTerminal
        }
        defer { window.release() }
        metrics.started.increment()
        metrics.inFlight.increment()
        defer {
            metrics.inFlight.decrement()
            leases.drop(taskID)
        }
        do {
            let outcome = try await drive(task, window: window)
            if let share, outcome != .deferred {
                // Terminal: the user's place at the provider is free again.
                await share.release(userID: task.userID, taskID: taskID)
            }
            return outcome
        } catch is CancellationError {
            // Shutdown: the provider task id (if any) is stored; let another worker resume at once.
            try? await store.releaseLease(taskID: taskID, worker: configuration.workerID)
            throw CancellationError()
        }
    }

    /// Takes the task's lease, with a place in the submit window; nil when the task is
    /// terminal already. Waits while another worker (or another entry in this process)
    /// holds it, without holding a place meanwhile.
    private func acquire(_ taskID: Int64) async throws -> (EmojiTaskRecord, SubmitWindowPermit)? {
        let check = max(.milliseconds(100), min(.seconds(2), configuration.leaseDuration / 4))
        while true {
            try Task.checkCancellation()
            guard leases.hold(taskID) else {
                try await Task.sleep(for: check)
                continue
            }
            let window = await SubmitWindowPermit.take(submitWindow)
            if Task.isCancelled {
                // Shutdown while waiting for a place: leave the task pending, unclaimed.
                window.release()
                leases.drop(taskID)
                throw CancellationError()
            }
            let outcome: EmojiTaskStore.ClaimOutcome
            do {
                outcome = try await batches.claims.submit(taskID)
            } catch {
                window.release()
                leases.drop(taskID)
                throw error
            }
            if case .claimed(let task) = outcome { return (task, window) }
            window.release()
            switch outcome {
            case .claimed:
                continue
            case .terminal:
                leases.drop(taskID)
                return nil
            case .notFound:
                leases.drop(taskID)
                throw EmojiProcessingError.unknownTask(taskID)
            case .leasedElsewhere(let remaining):
                leases.drop(taskID)
                logger.debug("task leased by another worker; waiting", ["task_id": String(taskID)])
                try await Task.sleep(for: max(.milliseconds(50), min(check, remaining + .milliseconds(20))))
            }
        }
    }

    private func drive(_ task: EmojiTaskRecord, window: SubmitWindowPermit) async throws -> EmojiTaskOutcome {
        let claimedAt = ContinuousClock.now
        let providerTaskID: String
        let submittedAt: Date
        let resumed: Bool
        if let existing = task.providerTaskID, !existing.isEmpty {
            providerTaskID = existing
            submittedAt = task.submittedAt ?? Date()
            resumed = true
        } else {
            guard let request = task.generationRequest else {
                return try await fail(task, .invalidTask, code: "InvalidParameter",
                                      message: "the task has no source image or face boxes", providerStatus: nil)
            }
            if let share, try await !share.reserve(userID: task.userID, taskID: task.id) {
                // Over the user's share: give the lease and the consumer slot back; the
                // stream handler puts the entry back after a pause.
                try await store.releaseLease(taskID: task.id, worker: configuration.workerID)
                metrics.deferred.increment()
                logger.debug("user's share in use; task deferred", ["task_id": String(task.id), "user_id": String(task.userID)])
                return .deferred
            }
            switch try await submit(task, request, claimedAt: claimedAt) {
            case .submitted(let id, let at):
                providerTaskID = id
                submittedAt = at
            case .finished(let outcome):
                return outcome
            }
            resumed = false
        }
        window.release()
        return try await poll(task, providerTaskID: providerTaskID, submittedAt: submittedAt, pollAtOnce: resumed)
    }

    private enum SubmitResult: Sendable {
        case submitted(String, Date)
        case finished(EmojiTaskOutcome)
    }

    private enum CriticalResult: Sendable {
        case recorded(String, Date)
        case lost
        case providerError(DashScopeError)
    }

    private func submit(_ task: EmojiTaskRecord, _ request: GenerationRequest, claimedAt: ContinuousClock.Instant) async throws -> SubmitResult {
        let worker = configuration.workerID
        let batches = self.batches
        var lastError: DashScopeError?
        for attempt in 0..<max(1, configuration.submitAttempts) {
            if attempt > 0 {
                try await Task.sleep(for: configuration.backoff.delay(forAttempt: attempt - 1))
            }
            if let limiter { try await limiter.acquire() }
            // The claim took the lease moments ago unless a submit slot or a retry kept us
            // waiting: then make sure it is still ours (and renew it) before paying.
            if attempt > 0 || ContinuousClock.now - claimedAt > configuration.leaseDuration / 3 {
                guard try await store.confirmSubmission(taskID: task.id, worker: worker, lease: configuration.leaseDuration) else {
                    throw EmojiProcessingError.leaseLost(task.id)
                }
            }
            // A SIGKILL between the provider's answer and the stored id resubmits the task
            // on resume: at most `submitsInFlight` tasks are in that window at once.
            await submitSlots.acquire()
            if Task.isCancelled {
                submitSlots.release()
                throw CancellationError()
            }
            // From here until the provider's id is stored, shutdown must not interrupt: an
            // unstructured task does not inherit the caller's cancellation.
            let critical = Task { [provider, metrics, configuration, logger] () throws -> CriticalResult in
                let submitted: SubmittedTask
                do throws(DashScopeError) {
                    submitted = try await provider.submit(request)
                } catch {
                    return .providerError(error)
                }
                metrics.submits.increment()
                var failures = 0
                while true {
                    do {
                        // Batched with other tasks' submissions (EmojiTaskBatches): the same
                        // conditional UPDATE, answered row by row, before this task goes on.
                        guard let at = try await batches.submissions.submit(EmojiTaskStore.Submission(
                            taskID: task.id, providerTaskID: submitted.taskID,
                            providerStatus: submitted.status.isEmpty ? "PENDING" : submitted.status))
                        else { return .lost }
                        return .recorded(submitted.taskID, at)
                    } catch {
                        failures += 1
                        logger.error("could not store the provider task id", [
                            "task_id": String(task.id), "provider_task_id": submitted.taskID, "error": String(describing: error)])
                        if failures >= 5 { throw error }
                        try? await Task.sleep(for: configuration.backoff.delay(forAttempt: failures - 1))
                    }
                }
            }
            let criticalResult: CriticalResult
            do {
                criticalResult = try await critical.value
            } catch {
                submitSlots.release()
                throw error
            }
            submitSlots.release()
            switch criticalResult {
            case .recorded(let id, let at):
                logger.debug("submitted", ["task_id": String(task.id), "provider_task_id": id])
                return .submitted(id, at)
            case .lost:
                logger.error("lease lost while submitting; another worker owns the task", ["task_id": String(task.id)])
                throw EmojiProcessingError.leaseLost(task.id)
            case .providerError(let error):
                if error.isRetryable {
                    lastError = error
                    logger.warning("submit failed; retrying", [
                        "task_id": String(task.id), "attempt": String(attempt + 1), "error": error.debugDescription])
                    continue
                }
                let code = error.providerCode ?? error.status.map { "HTTP\($0)" } ?? "SubmitFailed"
                return .finished(try await fail(task, .rejected, code: code,
                                                message: error.providerMessage ?? error.description, providerStatus: nil))
            }
        }
        let code = lastError?.providerCode ?? lastError?.status.map { "HTTP\($0)" } ?? "ProviderUnavailable"
        return .finished(try await fail(task, .retriesExhausted, code: code,
                                        message: lastError?.providerMessage ?? lastError?.description ?? "submit failed", providerStatus: nil))
    }

    private func poll(_ task: EmojiTaskRecord, providerTaskID: String, submittedAt: Date, pollAtOnce: Bool) async throws -> EmojiTaskOutcome {
        let deadline = submittedAt.addingTimeInterval(configuration.pollTimeout.seconds)
        var lastStatus = task.providerStatus
        // Polls keep a fixed cadence (the query's own time is not added to the interval),
        // so a task is seen finished at most one interval after it finished.
        var nextPoll = ContinuousClock.now + (pollAtOnce ? .zero : configuration.pollInterval)
        var transientFailures = 0
        let state: ProviderTaskState
        while true {
            let wait = nextPoll - ContinuousClock.now
            if wait > .zero { try await Task.sleep(for: wait) }
            let started = ContinuousClock.now
            nextPoll = max(nextPoll, started - configuration.pollInterval / 2) + configuration.pollInterval
            let answer: ProviderTaskState
            let result: Result<ProviderTaskState, DashScopeError>
            do throws(DashScopeError) {
                result = .success(try await provider.query(taskID: providerTaskID))
            } catch {
                result = .failure(error)
            }
            metrics.pollSeconds.observe((ContinuousClock.now - started).seconds)
            // A safe point: the provider id is stored, nothing is half done. A query cut
            // short by shutdown ends here, not as a transient failure.
            try Task.checkCancellation()
            switch result {
            case .success(let state):
                answer = state
                transientFailures = 0
            case .failure(let error):
                if let status = error.status, (400..<500).contains(status), !error.isRetryable {
                    return try await fail(task, .rejected, code: error.providerCode ?? "HTTP\(status)",
                                          message: error.providerMessage ?? error.description, providerStatus: lastStatus)
                }
                transientFailures += 1
                logger.warning("task query failed; polling on", ["task_id": String(task.id), "error": error.debugDescription])
                if Date() >= deadline {
                    return try await timeout(task, lastStatus: lastStatus)
                }
                nextPoll = max(nextPoll, ContinuousClock.now + configuration.backoff.delay(forAttempt: min(transientFailures - 1, 8)))
                continue
            }
            // Intermediate states (RUNNING) are not written: one statement less per task;
            // the row has PENDING from the submission and the final status at the end.
            lastStatus = answer.status
            if answer.isTerminal {
                state = answer
                break
            }
            if Date() >= deadline {
                return try await timeout(task, lastStatus: lastStatus)
            }
        }
        switch state.status {
        case "SUCCEEDED":
            guard let videoURL = state.videoURL, !videoURL.isEmpty else {
                return try await fail(task, .invalidResponse, code: "InvalidResponse",
                                      message: "the provider reported success without a video", providerStatus: state.status)
            }
            return try await finish(task, videoURL: videoURL)
        case "FAILED":
            return try await fail(task, .providerFailed, code: state.errorCode ?? "GenerationFailed",
                                  message: state.errorMessage ?? "the provider could not generate the video", providerStatus: state.status)
        case "CANCELED":
            return try await fail(task, .providerCanceled, code: state.errorCode ?? "TaskCanceled",
                                  message: state.errorMessage ?? "the provider cancelled the task", providerStatus: state.status)
        default:
            return try await fail(task, .providerUnknown, code: state.errorCode ?? "TaskUnknown",
                                  message: state.errorMessage ?? "the provider no longer knows the task", providerStatus: state.status)
        }
    }

    private func timeout(_ task: EmojiTaskRecord, lastStatus: String?) async throws -> EmojiTaskOutcome {
        try await fail(task, .timeout, code: "Timeout",
                       message: "generation did not finish within \(Int(configuration.pollTimeout.seconds)) s", providerStatus: lastStatus)
    }

    /// The key a task's video is stored under: `<prefix>/<user id>/<task id>_<tag>.mp4`,
    /// the tag 16 hex digits of an HMAC of the task id (not guessable, same on every delivery).
    public func resultKey(for task: EmojiTaskRecord) -> String {
        let tag = Crypto.hex(Array(Crypto.hmacSHA256(key: configuration.resultKeySecret, data: String(task.id)).prefix(8)))
        // A failed HMAC (empty) must not drop the tag: fall back to random bytes.
        let safeTag = tag.isEmpty ? Crypto.hex(Crypto.randomBytes(8)) : tag
        let name = "\(task.userID)/\(task.id)_\(safeTag).mp4"
        return configuration.resultPrefix.isEmpty ? name : "\(configuration.resultPrefix)/\(name)"
    }

    private func finish(_ task: EmojiTaskRecord, videoURL: String) async throws -> EmojiTaskOutcome {
        let key = resultKey(for: task)
        var resultURL: String?
        for attempt in 0..<max(1, configuration.storeAttempts) {
            if attempt > 0 { try await Task.sleep(for: configuration.backoff.delay(forAttempt: attempt - 1)) }
            let stored: Result<String, any Error>
            await storeGate.acquire()
            do {
                stored = .success(try await results.store(videoURL: videoURL, key: key))
            } catch {
                stored = .failure(error)
            }
            storeGate.release()
            try Task.checkCancellation()
            switch stored {
            case .success(let url):
                resultURL = url
            case .failure(let error):
                logger.warning("storing the result failed", ["task_id": String(task.id), "attempt": String(attempt + 1), "error": String(describing: error)])
            }
            if resultURL != nil { break }
        }
        guard let resultURL else { throw EmojiProcessingError.storeFailed("task \(task.id)") }
        guard try await batches.completions.submit(EmojiTaskStore.Completion(taskID: task.id, resultURL: resultURL)) else {
            return .alreadyTerminal
        }
        metrics.completed.increment()
        logger.info("task completed", ["task_id": String(task.id)])
        return .completed(resultURL: resultURL)
    }

    private func fail(_ task: EmojiTaskRecord, _ reason: EmojiWorkerMetrics.FailureReason, code: String, message: String,
                      providerStatus: String?) async throws -> EmojiTaskOutcome {
        switch try await store.fail(taskID: task.id, code: code, message: message, providerStatus: providerStatus) {
        case .failed(let refunded):
            metrics.failed(reason)
            logger.info("task failed", ["task_id": String(task.id), "reason": reason.rawValue, "code": code, "refunded": String(refunded)])
            return .failed(reason: reason, refunded: refunded)
        case .alreadyTerminal:
            return .alreadyTerminal
        case .notFound:
            throw EmojiProcessingError.unknownTask(task.id)
        case .leasedElsewhere:
            throw EmojiProcessingError.leaseLost(task.id)
        }
    }
}
