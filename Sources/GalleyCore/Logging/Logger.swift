import Foundation
import Synchronization

/// JSON lines on standard output, one object a line: `time`, `level`, `msg`, the
/// logger's `label` and any metadata (`request_id`, `job_id`, ...). Container engines
/// and log shippers read that without a parser of ours.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var description: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
        /// `debug`, `info`, `warning`/`warn`, `error`; case-insensitive.
        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }
    }

    private static let threshold = Atomic<Int>(Level.info.rawValue)
    private static let output = Mutex<Void>(())
    private static let descriptor = Atomic<Int32>(STDOUT_FILENO)

    /// Where log lines go: stdout (the fleet's services), or stderr for a command whose
    /// stdout is its answer (galleyctl's `--json`).
    public static var outputDescriptor: Int32 {
        get { descriptor.load(ordering: .relaxed) }
        set { descriptor.store(newValue, ordering: .relaxed) }
    }

    /// The least severe level written, process-wide (from `LOG_LEVEL` at start).
    public static var minimumLevel: Level {
        get { Level(rawValue: threshold.load(ordering: .relaxed)) ?? .info }
        set { threshold.store(newValue.rawValue, ordering: .relaxed) }
    }

    public var label: String
    public var metadata: [String: String]

    public init(label: String, metadata: [String: String] = [:]) {
        self.label = label
        self.metadata = metadata
    }

    /// A copy with one more metadata field (for a request or a job).
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata[key] = value
        return copy
    }

    public func debug(_ message: @autoclosure () -> String, _ extra: [String: String] = [:]) { log(.debug, message(), extra) }
    public func info(_ message: @autoclosure () -> String, _ extra: [String: String] = [:]) { log(.info, message(), extra) }
    public func warning(_ message: @autoclosure () -> String, _ extra: [String: String] = [:]) { log(.warning, message(), extra) }
    public func error(_ message: @autoclosure () -> String, _ extra: [String: String] = [:]) { log(.error, message(), extra) }

    public func log(_ level: Level, _ message: @autoclosure () -> String, _ extra: [String: String] = [:]) {
        guard level.rawValue >= Logger.threshold.load(ordering: .relaxed) else { return }
        var line: [UInt8] = []
        line.reserveCapacity(160)
        line.append(contentsOf: "{\"time\":".utf8)
        JSONWriter.writeString(Timestamp.iso8601(Date()), into: &line)
        line.append(contentsOf: ",\"level\":".utf8)
        JSONWriter.writeString(level.description, into: &line)
        line.append(contentsOf: ",\"logger\":".utf8)
        JSONWriter.writeString(label, into: &line)
        line.append(contentsOf: ",\"msg\":".utf8)
        JSONWriter.writeString(message(), into: &line)
        for (key, value) in metadata.merging(extra, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &line)
            line.append(UInt8(ascii: ":"))
            JSONWriter.writeString(value, into: &line)
        }
        line.append(contentsOf: "}\n".utf8)
        let fd = Logger.descriptor.load(ordering: .relaxed)
        Logger.output.withLock { _ in
            line.withUnsafeBufferPointer { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { return } }
                    offset += written
                }
            }
        }
    }
}
