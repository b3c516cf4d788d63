import GalleyRuntime

// The emoji worker: see EmojiWorkerApp for its services.
await ProcessBootstrap.main(EmojiWorkerApp.definition)
