import Foundation
import GalleyCore
import GalleyRedis
import GalleyRewards

/// Shows a run's progress: one self-overwriting line on a terminal (stderr), JSON log
/// lines otherwise (cron, containers), at most one per `logInterval`. The summary goes
/// to stdout: a small table on a terminal, one JSON log line otherwise.
final class ProgressReporter {
    let interactive: Bool
    let logInterval: Duration
    private let logger: Logger
    private var lastLog: ContinuousClock.Instant?

    init(interactive: Bool = isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) == 1,
         logInterval: Duration = .seconds(5), logger: Logger = Logger(label: "reward")) {
        self.interactive = interactive
        self.logInterval = logInterval
        self.logger = logger
    }

    func update(_ summary: RewardRunSummary) {
        if interactive {
            let line = "\r\u{1B}[K\(summary.week)\(summary.dryRun ? " (dry run)" : "")  batches \(summary.batches)"
                + "  credited \(summary.credited)  already \(summary.alreadyCredited)"
                + "  \(Int(summary.usersPerSecond.rounded())) users/s"
            FileHandle.standardError.write(Data(line.utf8))
            return
        }
        let now = ContinuousClock.now
        if let lastLog, now - lastLog < logInterval { return }
        lastLog = now
        logger.info("reward run progress", summary.logFields)
    }

    func finish(_ summary: RewardRunSummary) {
        guard interactive else {
            logger.info("reward run finished", summary.logFields)
            return
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        let fields = summary.logFields
        print("""
            reward \(summary.week)\(summary.dryRun ? " (dry run: nothing written)" : "") finished
              eligible          \(summary.eligible)
              \(summary.dryRun ? "would credit     " : "credited         ") \(summary.credited)
              already credited  \(summary.alreadyCredited)
              \(summary.dryRun ? "points to pay    " : "points paid      ") \(summary.points)
              seconds           \(fields["seconds"] ?? "")
            """)
    }

    /// Ends the progress line before an error is printed.
    func abandon() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
