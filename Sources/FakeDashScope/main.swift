import Shared

// Wired up by its issue; for now it only proves the package links.
Logger(label: "FakeDashScope").info("not implemented yet")
