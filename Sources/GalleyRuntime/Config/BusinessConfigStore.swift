public import Foundation
import Synchronization
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage

/// Holds the business config and re-reads its file by content (not by modification
/// time: a swapped symlink or an edit within the same second must be seen) at most
/// every ``recheckInterval``, so operators edit prices without a restart. A file that
/// turns invalid or vanishes while running is logged and ignored: the last good one
/// stays, and ``lastError`` says why.
///
/// The file is `CONFIG_PATH`, else the original's `app/config/default_config.json`
/// under the working directory when it exists, else none (the original's default,
/// built in).
public final class BusinessConfigStore: Sendable {
    private struct State {
        var config: BusinessConfig
        var lastCheck: ContinuousClock.Instant
        var content: [UInt8]
        var lastError: String?
        var loadedAt = Date()
    }

    /// The original's path of the file, relative to the working directory.
    public static let originalRelativePath = "app/config/default_config.json"

    /// The file read, or nil when the built-in default is in force.
    public let path: String?
    /// Well under the original's 60 s.
    public let recheckInterval: Duration
    private let state: Mutex<State>
    private let logger = Logger(label: "config")

    /// Loads the file now; a missing or invalid file at start is a configuration error.
    public init(
        path configured: String?, workingDirectory: String? = nil, recheckInterval: Duration = .seconds(2)
    ) throws(ConfigurationError) {
        self.recheckInterval = recheckInterval
        path = BusinessConfigStore.resolve(
            configured, workingDirectory: workingDirectory ?? FileManager.default.currentDirectoryPath)
        guard let path else {
            let builtIn = (try? BusinessConfig(document: JSONParser.parse(BusinessConfig.originalDefaultJSON))) ?? .builtIn
            state = Mutex(State(config: builtIn, lastCheck: .now, content: [], lastError: nil))
            return
        }
        guard let content = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw .invalid("CONFIG_PATH", expected: "a readable JSON file")
        }
        let config = try BusinessConfigStore.parse(content)
        state = Mutex(State(config: config, lastCheck: .now, content: content, lastError: nil))
        logger.info("business config loaded", ["path": path])
    }

    /// `CONFIG_PATH` made absolute, else the original's file when it exists, else nil.
    static func resolve(_ configured: String?, workingDirectory: String) -> String? {
        let base = URL(fileURLWithPath: workingDirectory)
        if let configured {
            return configured.hasPrefix("/") ? configured : base.appendingPathComponent(configured).path
        }
        let original = base.appendingPathComponent(originalRelativePath).path
        return FileManager.default.fileExists(atPath: original) ? original : nil
    }

    /// The config in force, re-read first when the last read is older than the interval.
    public var current: BusinessConfig {
        if let path, isDue() { reload(path) }
        return state.withLock { $0.config }
    }

    /// Why the file's current content is not in force (nil when it is).
    public var lastError: String? {
        if let path, isDue() { reload(path) }
        return state.withLock { $0.lastError }
    }

    /// When the config in force was read: at start, or when a changed file was last taken.
    public var loadedAt: Date {
        if let path, isDue() { reload(path) }
        return state.withLock { $0.loadedAt }
    }

    /// Claims the next check (one caller per interval does the read).
    private func isDue() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard now - state.lastCheck >= recheckInterval else { return false }
            state.lastCheck = now
            return true
        }
    }

    private func reload(_ path: String) {
        guard let content = FileManager.default.contents(atPath: path).map(Array.init) else {
            record(error: "the file cannot be read", path: path)
            return
        }
        guard content != state.withLock({ $0.content }) else { return }
        do {
            let config = try BusinessConfigStore.parse(content)
            state.withLock {
                $0.config = config
                $0.content = content
                $0.lastError = nil
                $0.loadedAt = Date()
            }
            logger.info("business config reloaded", ["path": path])
        } catch {
            state.withLock { $0.content = content }  // log a bad content once
            record(error: error.description, path: path)
        }
    }

    private func record(error: String, path: String) {
        let isNew = state.withLock { state -> Bool in
            defer { state.lastError = error }
            return state.lastError != error
        }
        if isNew { logger.error("business config change ignored; the last good one stays: \(error)", ["path": path]) }
    }

    private static func parse(_ content: [UInt8]) throws(ConfigurationError) -> BusinessConfig {
        guard let document = try? JSONParser.parse(content) else {
            throw .invalid("CONFIG_PATH", expected: "a file of valid JSON")
        }
        return try BusinessConfig(document: document)
    }
}
