import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime
import GalleyAdmin

/// Runs one parsed command against ``AdminOperations`` and prints its answer: JSON with
/// `--json`, else text. Errors: one line on stderr (`galleyctl: ...`) and, with `--json`,
/// `{"error": {"kind", "message"}}` on stdout; the exit status says the kind (64 usage or
/// invalid argument, 1 not found / refused / needs --confirm, 69 PostgreSQL or Redis
/// unreachable, 70 anything else).
struct GalleyctlRunner {
    let operations: AdminOperations
    let invocation: GalleyctlCommand.Invocation

    func run() -> ExitCode {
        do {
            var answer = Answer(json: .null)
            var times: [Double] = []
            for _ in 0..<invocation.repeats {
                let started = ContinuousClock.now
                answer = try execute(invocation.command)
                let elapsed = ContinuousClock.now - started
                times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            }
            if invocation.timing, let first = times.first {
                var line = "timing: \(String(format: "%.1f", first)) ms"
                let warm = times.dropFirst().sorted()
                if !warm.isEmpty {
                    line += String(format: " warm: median %.1f ms max %.1f ms", warm[(warm.count - 1) / 2], warm[warm.count - 1])
                }
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            write(answer)
            return answer.failed ? .failure : .success
        } catch let error as AdminError {
            return fail(error.kind.rawValue, error.description,
                        code: error.kind == .invalidArgument ? .usage : .failure)
        } catch let error as PostgresError where error.isConnectionError {
            return fail("unavailable", "PostgreSQL unavailable: \(error)", code: .unavailable)
        } catch let error as RedisError where error.isConnectionError {
            return fail("unavailable", "Redis unavailable: \(error)", code: .unavailable)
        } catch let failure as ProcessFailure {
            return fail("failed", failure.description, code: failure.exitCode)
        } catch {
            return fail("internal", "\(error)", code: .software)
        }
    }

    /// What a command answered: its JSON, and whether it counts as a failed command
    /// (a dead letter that was gone, nothing found).
    struct Answer {
        var json: JSONValue
        var failed = false
    }

    private func execute(_ command: GalleyctlCommand) throws -> Answer {
        let actor = invocation.actor
        switch command {
        case .status:
            return Answer(json: operations.overview().json)
        case .config:
            return Answer(json: operations.configStatus().json)
        case .deadList(let stream, let page):
            if let stream { return Answer(json: try operations.deadLetters(stream, page: page).json) }
            let all = try AdminStream.allCases.map { ($0.deadLetterStream, try operations.deadLetters($0, page: page).json) }
            return Answer(json: .object(JSONObject(all)))
        case .deadShow(let stream, let id):
            guard let letter = try operations.deadLetter(stream, id: id) else { throw AdminError.notFound("dead letter \(id)") }
            return Answer(json: letter.json)
        case .deadReplay(let stream, let ids):
            let results = try operations.replayDeadLetters(stream, ids: ids, by: actor)
            return Answer(json: .array(results.map(\.json)), failed: results.contains { $0.outcome == .skipped })
        case .deadDelete(let stream, let ids):
            return Answer(json: .array(try operations.deleteDeadLetters(stream, ids: ids, by: actor).map(\.json)))
        case .taskShow(let id):
            guard let task = try operations.task(id: id) else { throw AdminError.notFound("task \(id)") }
            return Answer(json: task.json)
        case .taskSearch(let query, let page):
            return Answer(json: try operations.searchTasks(query, page: page).json)
        case .taskRetry(let id, let confirm):
            return Answer(json: try operations.retryTask(id: id, confirm: confirm, by: actor).json)
        case .taskRequeue(let id):
            return Answer(json: try operations.requeueTask(id: id, by: actor).json)
        case .eventShow(let id):
            guard let event = try operations.event(id: id) else { throw AdminError.notFound("event \(id)") }
            return Answer(json: event.json)
        case .eventSearch(let query, let page):
            return Answer(json: try operations.searchEvents(query, page: page).json)
        case .eventReplay(let id):
            return Answer(json: try operations.replayEvent(id: id, by: actor).json)
        case .userShow(let key, let page):
            let found: AdminUser?
            switch key {
            case .id(let id): found = try operations.user(id: id)
            case .device(let device): found = try operations.user(deviceID: device)
            }
            guard let user = found else { throw AdminError.notFound("user") }
            return Answer(json: [
                "user": user.json,
                "ledger": try operations.ledger(userID: user.id, page: page).json,
                "orders": try operations.orders(userID: user.id, page: AdminPageRequest(limit: 20)).json,
            ])
        case .pointsAdjust(let user, let amount, let reason, let key):
            return Answer(json: try operations.adjustPoints(userID: user, amount: amount, reason: reason, requestKey: key, by: actor).json)
        case .rewardRuns(let week, let page):
            return Answer(json: try operations.rewardRuns(week: week, page: page).json)
        case .rewardStart(let week, let confirm):
            guard confirm else { return Answer(json: try operations.rewardDryRun(week: week).json) }
            return Answer(json: try operations.startRewardRun(week: week, confirm: true, by: actor).json)
        case .audit(let query, let page):
            return Answer(json: try operations.audit(query, page: page).json)
        }
    }

    private func write(_ answer: Answer) {
        let text = invocation.json ? JSONWriter.string(answer.json) : GalleyctlText.render(answer.json)
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    private func fail(_ kind: String, _ message: String, code: ExitCode) -> ExitCode {
        if invocation.json {
            let json: JSONValue = ["error": ["kind": .string(kind), "message": .string(message)]]
            FileHandle.standardOutput.write(Data((JSONWriter.string(json) + "\n").utf8))
        }
        ProcessBootstrap.writeError("galleyctl", message)
        return code
    }
}
