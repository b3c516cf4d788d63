import Foundation
import Synchronization
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage

/// Holds the business config and re-reads `CONFIG_PATH` when the file changes, at
/// most once a second, so operators edit prices without a restart. A file that
/// turns invalid while running is logged and ignored: the last good one stays.
public final class BusinessConfigStore: Sendable {
    private struct State {
        var config: BusinessConfig
        var lastCheck: Double
        var fingerprint: String
    }

    public let path: String?
    private let state: Mutex<State>
    private let logger = Logger(label: "config")

    /// Loads the file now; a missing or invalid file at start is a configuration error.
    public init(path: String?) throws(ConfigurationError) {
        self.path = path
        guard let path else {
            state = Mutex(State(config: .builtIn, lastCheck: .infinity, fingerprint: ""))
            return
        }
        let fingerprint = BusinessConfigStore.fingerprint(path)
        let config = try BusinessConfigStore.read(path)
        state = Mutex(State(config: config, lastCheck: Date().timeIntervalSince1970, fingerprint: fingerprint))
    }

    /// The config in force, re-read first if the file changed.
    public var current: BusinessConfig {
        guard let path else { return state.withLock { $0.config } }
        let now = Date().timeIntervalSince1970
        let due = state.withLock { state -> String? in
            guard now - state.lastCheck >= 1 else { return nil }
            state.lastCheck = now
            return state.fingerprint
        }
        if let previous = due {
            let fingerprint = BusinessConfigStore.fingerprint(path)
            if fingerprint != previous {
                do {
                    let config = try BusinessConfigStore.read(path)
                    state.withLock { $0.config = config; $0.fingerprint = fingerprint }
                    logger.info("business config reloaded", ["path": path])
                } catch {
                    state.withLock { $0.fingerprint = fingerprint }
                    logger.error("business config change ignored: \(error)", ["path": path])
                }
            }
        }
        return state.withLock { $0.config }
    }

    private static func fingerprint(_ path: String) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "missing" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        return "\(modified):\(size)"
    }

    private static func read(_ path: String) throws(ConfigurationError) -> BusinessConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalid("CONFIG_PATH", expected: "a readable JSON file")
        }
        guard let document = try? JSONParser.parse([UInt8](data)) else {
            throw .invalid("CONFIG_PATH", expected: "a file of valid JSON")
        }
        return try BusinessConfig(document: document)
    }
}
