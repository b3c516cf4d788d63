import Shared

// Wired up by its issue; for now it only proves the package links.
Logger(label: "WebhookWorker").info("not implemented yet")
