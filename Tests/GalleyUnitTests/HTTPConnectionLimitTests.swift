import Foundation
import Glibc
import Testing
@testable import GalleyCore
@testable import GalleyHTTP

/// The per-address connection cap (`HTTP_PER_IP_CONNECTION_LIMIT`, 256 by default): one
/// peer cannot hold more than its share of the server's connections; a closed one frees
/// its place.
@Suite struct HTTPConnectionLimitTests {
    init() { Signals.ignoreSIGPIPE() }

    @Test func theDefaultCapIsOn() {
        #expect(HTTPServerConfiguration(host: "127.0.0.1", port: 0).perIPConnectionLimit == 256)
    }

    @Test func oneAddressPastItsCapIsClosedAtOnceAndAFreedPlaceServesAgain() async throws {
        var configuration = HTTPServerTests.configuration
        configuration.perIPConnectionLimit = 3
        let server = HTTPServer(configuration: configuration, responder: TestResponder())
        try server.start()
        defer { server.shutdown(deadline: .seconds(2)) }
        let held = try (0..<3).map { _ in try TestHTTPClient(port: server.port) }
        defer { held.dropFirst().forEach { $0.close() } }  // held[0] is closed below
        for client in held { #expect(try client.request("GET", "/hello").status == 200) }

        let extra = try TestHTTPClient(port: server.port)
        defer { extra.close() }
        try? extra.send(TestHTTPClient.requestBytes("GET", "/hello"))
        let refused = (try? extra.readResponseOrEOF()) ?? nil
        #expect(refused == nil, "a fourth connection from one address was served: \(refused?.status ?? 0)")

        held[0].close()
        var served = false
        for _ in 0..<100 where !served {
            let again = try TestHTTPClient(port: server.port)
            defer { again.close() }
            try? again.send(TestHTTPClient.requestBytes("GET", "/hello"))
            served = ((try? again.readResponseOrEOF()) ?? nil)?.status == 200
            if !served { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(served, "a freed place was not given back")
    }
}
