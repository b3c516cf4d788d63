import GalleyRuntime
import GalleyRewards

/// `RewardWorker run`: one run with progress and a summary.
struct RunCommand {
    let run: RewardRun
    let stop: StopFlag

    /// Blocks for the whole run (libpq calls): call it on its own thread.
    func execute() throws {
        let stop = self.stop
        let reporter = ProgressReporter()
        do {
            let summary = try run.run(shouldStop: { stop.isSet }, progress: reporter.update)
            reporter.finish(summary)
        } catch {
            reporter.abandon()
            throw ProcessFailure(.failure, "reward run for \(run.options.week) failed: \(error)", underlying: error)
        }
    }
}
