import Shared

// Wired up by its issue; for now it only proves the package links.
Logger(label: "EmojiWorker").info("not implemented yet")
