import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyTestSupport

/// The internal listener's port for this suite's gateway.
private let internalEndpointsPort = (try? GatewayProcess.freePort()) ?? 18_999

/// Issue 12: with `INTERNAL_PORT` set, `/metrics` and `/ready` leave the API port.
@Suite(.gateway(redisDatabase: 9, environment: ["INTERNAL_PORT": String(internalEndpointsPort), "INTERNAL_HOST": "127.0.0.1"]))
struct InternalEndpointsTests {
    static var internalPort: Int { internalEndpointsPort }

    @Test func metricsAndReadyMoveToTheInternalAddress() async throws {
        let gateway = try GatewayProcess.shared
        for path in ["/metrics", "/ready", "/api/v1/ready"] {
            let hidden = try await gateway.get(path)
            #expect(hidden.status == 404 && hidden.code == 404000, "\(path) on the API port")
            let served = try await Task.detached {
                try GatewayHTTPClient.request(port: Self.internalPort, method: "GET", path: path, timeoutSeconds: 10)
            }.value
            #expect(served.status == 200, "\(path) on the internal port")
        }
        let metrics = try await Task.detached {
            try GatewayHTTPClient.request(port: Self.internalPort, method: "GET", path: "/metrics", timeoutSeconds: 10)
        }.value
        #expect(metrics.text.contains("# TYPE"))
        // The API stays on the API port only.
        #expect(try await gateway.get("/api/v1/health").status == 200)
        #expect(try await gateway.get("/api/v1/config").status == 200)
        let api = try await Task.detached {
            try GatewayHTTPClient.request(port: Self.internalPort, method: "GET", path: "/api/v1/config", timeoutSeconds: 10)
        }.value
        #expect(api.status == 404)
    }
}
