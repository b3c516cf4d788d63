import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRewards

/// `RewardWorker run`: one run with progress and a summary; answers the exit status.
struct RunCommand {
    let run: RewardRun
    let stop: StopFlag

    func execute() -> Int32 {
        let stop = self.stop
        let watcher = Signals.onTermination { _ in stop.set() }
        defer { withExtendedLifetime(watcher) {} }
        let reporter = ProgressReporter()
        do {
            let summary = try run.run(shouldStop: { stop.isSet }, progress: reporter.update)
            reporter.finish(summary)
            return 0
        } catch {
            reporter.abandon()
            Console.fail("reward run for \(run.options.week) failed: \(error)", details: error)
            return 1
        }
    }
}
