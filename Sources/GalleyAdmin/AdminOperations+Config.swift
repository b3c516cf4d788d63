import Foundation
import GalleyCore
import GalleyRuntime

extension AdminOperations {
    /// The business config in force, its file (or the built-in default), when it was read
    /// and why a newer content of the file was refused, if it was.
    public func configStatus() -> AdminConfigStatus {
        let current = config.current
        return AdminConfigStatus(source: config.path == nil ? "built-in" : "file", path: config.path,
                                 loadedAt: config.loadedAt, lastError: config.lastError, document: current.document)
    }
}
