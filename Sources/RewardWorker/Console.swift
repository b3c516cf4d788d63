import Foundation
import GalleyCore
import GalleyRewards

/// The one line an operator (or cron's mail) reads when the worker gives up.
enum Console {
    /// `RewardWorker: <message>` on stderr; the error's details go to the debug log only.
    static func fail(_ message: String, details error: (any Error)? = nil) {
        if let error {
            Logger(label: "reward").debug("failure details", ["error": String(reflecting: error)])
        }
        FileHandle.standardError.write(Data("RewardWorker: \(message)\n".utf8))
    }
}
