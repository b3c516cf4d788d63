import Foundation
import GalleyCore

/// One stand-in of `scripts/standins` (OSS, WeChat Pay) running for a test: started on a
/// free port with its output in a log file, ready once `/_standin/health` answers, and
/// stopped with its log. The stand-ins themselves are Python on well-kept libraries.
package final class StandInProcess: Sendable {
    package let port: Int
    package let logPath: String
    private let process: Process

    private init(port: Int, logPath: String, process: Process) {
        self.port = port
        self.logPath = logPath
        self.process = process
    }

    /// Runs `scripts/standins <name> --port <free port> <arguments>` and waits for it.
    /// The first run may create the stand-ins' venv (pip install): allow a few minutes.
    package static func start(_ name: String, arguments: [String], logPath: String? = nil) async throws -> StandInProcess {
        let port = try GatewayProcess.freePort()
        let logPath = logPath ?? FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-standin-\(port).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("scripts/standins").path, name,
                             "--port", String(port)] + arguments
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let standIn = StandInProcess(port: port, logPath: logPath, process: process)
        let ready = try await onThread { () -> Bool in
            let deadline = Date().addingTimeInterval(300)
            while Date() < deadline && process.isRunning {
                if let answer = try? GatewayHTTPClient.request(port: port, method: "GET", path: "/_standin/health", timeoutSeconds: 2),
                   answer.status == 200 { return true }
                usleep(100_000)
            }
            return false
        }
        guard ready else {
            await standIn.stop()
            throw StandInFailure(description: "the \(name) stand-in did not start: \(standIn.logTail())")
        }
        return standIn
    }

    package func logTail(_ bytes: Int = 3000) -> String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(bytes))
    }

    /// SIGTERM, then SIGKILL after 10 s; the log file goes with it.
    package func stop() async {
        let process = self.process
        if process.isRunning { process.terminate() }
        _ = try? await onThread { () -> Void in
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { usleep(20_000) }
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// A test body that failed against a stand-in, with the stand-in's log.
package struct StandInFailure: Error, CustomStringConvertible {
    package let description: String
}
