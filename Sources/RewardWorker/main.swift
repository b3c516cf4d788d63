import GalleyRuntime

// The reward worker: `run` once or `schedule`; see RewardWorkerApp.
await ProcessBootstrap.main(RewardWorkerApp.definition)
