import GalleyRuntime

// The webhook worker (`run`, the default) and `replay`: see WebhookWorkerApp.
await ProcessBootstrap.main(WebhookWorkerApp.definition)
