import Foundation
import Synchronization
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// A throwaway `redis-server` (no persistence) on its own port, for tests that stop
/// and restart Redis under a running gateway.
package final class RedisServerProcess: Sendable {
    package let port: Int
    private let current = Mutex<Process?>(nil)

    package init(port: Int) { self.port = port }

    package func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        current.withLock { $0 = process }
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        for _ in 0..<100 {
            if (try? await onThread { try RedisConnection(configuration: configuration).checkedCommand(["PING"]) }) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw GatewayHTTPClient.ClientError(description: "redis-server did not start on \(port)")
    }

    /// `SHUTDOWN NOSAVE` and wait: with no persistence, everything it held is gone. (A
    /// child of the test runner may inherit a signal mask that blocks SIGTERM, so the
    /// stop goes through the protocol; SIGKILL if that fails.)
    package func stop() async {
        guard let process = current.withLock({ $0 }), process.isRunning else { return }
        let configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        _ = try? await onThread { _ = try? RedisConnection(configuration: configuration).command(["SHUTDOWN", "NOSAVE"]) }
        _ = try? await onThread { () -> Void in
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { usleep(10_000) }
        }
        current.withLock { $0 = nil }
    }
}
