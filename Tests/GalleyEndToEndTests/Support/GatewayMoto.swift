import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
@testable import GalleyGateway
import GalleyTestSupport

/// A moto S3 server (`python3 -m moto.server`) on a free loopback port for one test.
final class GatewayMoto: Sendable {
    let endpoint: URL
    private let process: Process

    private init(endpoint: URL, process: Process) {
        self.endpoint = endpoint
        self.process = process
    }

    static func start() async throws -> GatewayMoto {
        let port = try GatewayProcess.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Children inherit the test runner's mask that blocks SIGTERM: unblock, then serve.
        process.arguments = ["python3", "-c", """
            import runpy, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            sys.argv = ["moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
            runpy.run_module("moto.server", run_name="__main__")
            """]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let endpoint = try #require(URL(string: "http://127.0.0.1:\(port)"))
        let moto = GatewayMoto(endpoint: endpoint, process: process)
        for _ in 0..<600 {
            guard process.isRunning else { break }
            if (try? await onThread { try GatewayHTTPClient.request(port: port, method: "GET", path: "/", timeoutSeconds: 2) }) != nil {
                return moto
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await moto.stop()
        throw GatewayHTTPClient.ClientError(description: "moto did not start (python3 -m moto.server, moto[server] installed?)")
    }

    func createBucket(_ bucket: String, accessKeyID: String, secret: String) async throws {
        let signer = SigV4Signer(accessKeyID: accessKeyID, secretAccessKey: secret)
        let host = "\(endpoint.host ?? "127.0.0.1"):\(endpoint.port ?? 80)"
        let url = signer.presign(method: "PUT", scheme: "http", host: host, path: "/\(bucket)", expiresIn: 60, date: Date())
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = "PUT"
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 200)
    }

    func stop() async {
        let process = self.process
        if process.isRunning { process.terminate() }
        _ = try? await onThread { () -> Void in
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { usleep(20_000) }
        }
    }
}
