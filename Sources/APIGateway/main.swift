import Shared

// Wired up by its issue; for now it only proves the package links.
Logger(label: "APIGateway").info("not implemented yet")
