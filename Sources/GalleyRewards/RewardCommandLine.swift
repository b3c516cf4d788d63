import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyRuntime

/// `RewardWorker`'s command line, parsed here (not in the executable) so tests can reach it.
public enum RewardCommandLine: Sendable, Hashable {
    /// `run [--week YYYY-Www] [--dry-run] [--batch-size N]`: one run, then exit.
    case run(week: ISOWeek?, dryRun: Bool, batchSize: Int)
    /// `schedule`: stay up and run every Monday 00:00 UTC.
    case schedule
    /// `help`, `--help`, `-h`.
    case help

    public static let usage = """
        usage: RewardWorker run [--week 2026-W47] [--dry-run] [--batch-size N]
               RewardWorker schedule
          run       credit this week's VIP reward once per user (default week: the current ISO week, UTC)
                    --week        the ISO week to pay, YYYY-Www
                    --dry-run     count eligible and not yet credited users and points; write nothing
                    --batch-size  users per batch statement (default 5000)
          schedule  stay up; run at Monday 00:00 UTC (one replica per week via Redis); /health and /metrics on METRICS_PORT (9103)
        exit status: 0 success, 1 failure, 2 usage error
        """

    /// Parses the arguments after the program name. Accepts `--week X` and `--week=X`.
    public static func parse(_ arguments: [String]) throws(RewardUsageError) -> RewardCommandLine {
        guard let verb = arguments.first else { throw RewardUsageError("a command is required: run or schedule") }
        let rest = Array(arguments.dropFirst())
        switch verb {
        case "help", "--help", "-h":
            return .help
        case "schedule":
            if rest == ["--help"] || rest == ["-h"] { return .help }
            guard rest.isEmpty else { throw RewardUsageError("schedule takes no options") }
            return .schedule
        case "run":
            return try parseRun(rest)
        default:
            throw RewardUsageError("unknown command; expected run or schedule")
        }
    }

    private static func parseRun(_ arguments: [String]) throws(RewardUsageError) -> RewardCommandLine {
        var week: ISOWeek?
        var dryRun = false
        var batchSize = 5000
        var index = 0
        func value(_ name: String, inline: String?) throws(RewardUsageError) -> String {
            if let inline { return inline }
            index += 1
            guard index < arguments.count else { throw RewardUsageError("\(name) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let inline = parts.count == 2 ? String(parts[1]) : nil
            switch name {
            case "--week":
                guard week == nil else { throw RewardUsageError("--week given twice") }
                do {
                    week = try ISOWeek(parsing: try value(name, inline: inline))
                } catch let error as RewardError {
                    throw RewardUsageError(error.description)
                } catch {
                    throw RewardUsageError("--week needs a value")
                }
            case "--batch-size":
                let text = try value(name, inline: inline)
                guard let size = Int(text), RewardRunOptions.batchSizeRange.contains(size) else {
                    throw RewardUsageError(RewardError.invalidBatchSize.description)
                }
                batchSize = size
            case "--dry-run":
                guard inline == nil else { throw RewardUsageError("--dry-run takes no value") }
                dryRun = true
            case "--help", "-h":
                return .help
            default:
                throw RewardUsageError("unknown option for run")
            }
            index += 1
        }
        return .run(week: week, dryRun: dryRun, batchSize: batchSize)
    }
}
