import Foundation
import GalleyRedis

/// The loopback Sentinel topology `scripts/sentinel` runs (two data nodes, three
/// Sentinels; ports from `GALLEY_REDIS_PORT`), for the suites that fail it over.
package enum SentinelTopology {
    package struct ScriptError: Error, CustomStringConvertible {
        package let description: String
    }

    /// Runs `scripts/sentinel <arguments>` and answers its stdout; a failure throws with its stderr.
    @discardableResult
    package static func script(_ arguments: String...) throws -> String {
        // posix_spawn and waitpid, into files: Foundation's Process did not notice this
        // script's exit inside the test runner, and a Redis daemon it starts could hold a pipe.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("sentinel"))
        let outPath = base.path + ".out", errPath = base.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let scriptPath = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/sentinel").path
        let command = ([scriptPath] + arguments).map { "'\($0)'" }.joined(separator: " ") + " </dev/null >'\(outPath)' 2>'\(errPath)'"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [String](["/bin/sh", "-c", command]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard spawned == 0 else { throw ScriptError(description: "could not run scripts/sentinel (\(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        guard status == 0 else {
            throw ScriptError(description: "scripts/sentinel \(arguments.joined(separator: " ")) failed: \(stderr)")
        }
        return text
    }

    /// Starts the topology (a no-op when it runs) and answers its Sentinel settings.
    package static func start() throws -> RedisSentinelConfiguration {
        try script("start")
        let env = try script("env")
        var values: [String: String] = [:]
        for line in env.split(separator: "\n") {
            let assignment = line.replacingOccurrences(of: "export ", with: "")
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        guard let list = values["REDIS_SENTINELS"], let sentinels = RedisSentinelConfiguration.parseAddresses(list),
              let master = values["REDIS_SENTINEL_MASTER"]
        else { throw ScriptError(description: "scripts/sentinel env printed no sentinels") }
        return RedisSentinelConfiguration(sentinels: sentinels, masterName: master)
    }

    /// SIGKILLs the master, waits for the promotion, restarts the old master as a replica;
    /// answers the new master's port.
    package static func killMaster() async throws -> Int {
        // Off the cooperative pool: the script blocks for the seconds a failover takes.
        let text = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread { continuation.resume(with: Result { try script("kill-master") }) }.start()
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ScriptError(description: "kill-master printed no port")
        }
        return port
    }
}
