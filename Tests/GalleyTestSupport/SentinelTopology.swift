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
        do {
            return try ProjectScript.run("sentinel", arguments)
        } catch let failure as ProjectScript.Failure {
            throw ScriptError(description: failure.description)
        }
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
