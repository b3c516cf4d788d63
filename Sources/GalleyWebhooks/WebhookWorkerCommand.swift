import GalleyCore
import GalleyPostgres
import GalleyRedis

/// What `WebhookWorker` was asked to do: consume the stream (no arguments), or re-drive
/// stored events once and exit (`replay --event ID`, `replay --parked`).
public enum WebhookWorkerCommand: Sendable, Hashable {
    case run
    case replayEvent(String)
    case replayParked

    /// Parses the arguments after the program name.
    public init(arguments: [String]) throws(WebhookError) {
        switch arguments {
        case []: self = .run
        case ["replay", "--parked"]: self = .replayParked
        case let args where args.count == 3 && args[0] == "replay" && args[1] == "--event" && !args[2].isEmpty:
            self = .replayEvent(args[2])
        default:
            throw WebhookError.invalidCommand.with(arguments.joined(separator: " "))
        }
    }
}
