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

    @Test func aTrustedProxyIsNotCappedButOtherPeersAre() async throws {
        var configuration = HTTPServerTests.configuration
        configuration.perIPConnectionLimit = 2
        configuration.perIPLimitExemptPeers = ForwardedAllowList(parsing: "127.0.0.1")
        let server = HTTPServer(configuration: configuration, responder: TestResponder())
        try server.start()
        defer { server.shutdown(deadline: .seconds(2)) }
        // Four connections from the proxy's address, twice its cap, are all served.
        let held = try (0..<4).map { _ in try TestHTTPClient(port: server.port) }
        defer { held.forEach { $0.close() } }
        for client in held { #expect(try client.request("GET", "/hello").status == 200) }
    }

    @Test func theCountPairsEveryStartWithItsCloseAndSparesOnlyTrustedPeers() {
        let peers = HTTPPeerConnections(limit: 2, exempt: ForwardedAllowList(parsing: "10.0.0.0/8"))
        #expect(peers.opened("192.0.2.1") && peers.opened("192.0.2.1"))
        #expect(!peers.admits("192.0.2.1"))
        #expect(peers.admits("192.0.2.2"))
        peers.closed("192.0.2.1")
        #expect(peers.admits("192.0.2.1") && peers.count("192.0.2.1") == 1)
        // A proxy inside 10/8 is never counted, however many connections it holds.
        for _ in 0..<5 { #expect(!peers.opened("10.1.2.3")) }
        #expect(peers.admits("10.1.2.3") && peers.count("10.1.2.3") == 0)
        // No limit: nothing is counted.
        #expect(!HTTPPeerConnections(limit: 0, exempt: nil).opened("192.0.2.1"))
    }
}
