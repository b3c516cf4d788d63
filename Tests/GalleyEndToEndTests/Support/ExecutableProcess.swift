import Foundation
@testable import GalleyCore
import GalleyTestSupport

/// One of the package's executables run as a real process for end-to-end tests: its
/// output in a log file, the metrics port it logged, SIGTERM and the exit status.
final class ExecutableProcess: Sendable {
    let name: String
    let logPath: String
    private let process: Process

    private init(name: String, logPath: String, process: Process) {
        self.name = name
        self.logPath = logPath
        self.process = process
    }

    /// The binary built next to the test bundle.
    static func binaryPath(_ name: String) -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// Starts `name` with exactly `environment` (plus PATH) and `arguments`.
    static func start(_ name: String, arguments: [String] = [], environment: [String: String]) throws -> ExecutableProcess {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName(name) + ".log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath(name))
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = env
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return ExecutableProcess(name: name, logPath: logPath, process: process)
    }

    /// Runs `name` to its end; answers the exit status, stdout, stderr and how long it took.
    static func run(_ name: String, arguments: [String], environment: [String: String]) async throws
        -> (status: Int32, stdout: String, stderr: String, seconds: Double)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath(name))
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let started = Date()
        try process.run()
        return try await onThread {
            // Both outputs are far below a pipe's buffer (help text, one error line).
            let data = output.fileHandleForReading.readDataToEndOfFile()
            let errorData = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self),
                    String(decoding: errorData, as: UTF8.self), Date().timeIntervalSince(started))
        }
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The status server's port from the worker's "status server listening" log line.
    func metricsPort(timeout: Duration = .seconds(60)) async -> Int? {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end, process.isRunning {
            for line in output.split(separator: "\n") where line.contains("status server listening") {
                if let value = (try? JSONParser.parse(String(line)))?["metrics_port"]?.stringValue { return Int(value) }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// SIGTERM, then the exit status (nil if it still ran after `seconds`; it is then killed).
    func stop(seconds: Double = 30) async -> Int32? {
        let process = self.process
        if process.isRunning { process.terminate() }
        return await (try? onThread { () -> Int32? in
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }) ?? nil
    }

    deinit { try? FileManager.default.removeItem(atPath: logPath) }
}
