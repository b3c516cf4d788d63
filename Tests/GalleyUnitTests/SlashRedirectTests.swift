import Testing
@testable import GalleyCore
@testable import GalleyHTTP
@testable import GalleyGateway

/// The slash redirect's scheme follows `X-Forwarded-Proto` only from a proxy that
/// `FORWARDED_ALLOW_IPS` trusts, the same rule as the client address.
@Suite struct SlashRedirectTests {
    func request(from peer: String, proto: String?) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "api.example:8000")
        if let proto { headers.add(name: "X-Forwarded-Proto", value: proto) }
        return HTTPRequest(method: "GET", path: "/api/v1/config/", headers: headers, remoteAddress: peer)
    }

    func location(_ request: HTTPRequest, _ proxies: ForwardedAllowList) -> String? {
        SlashRedirect.response(to: "/api/v1/config", for: request, proxies: proxies).headers.first { $0.0 == "Location" }?.1
    }

    @Test func aTrustedProxySetsTheScheme() {
        #expect(location(request(from: "127.0.0.1", proto: "https"), .default) == "https://api.example:8000/api/v1/config")
        let proxies = ForwardedAllowList(parsing: "10.0.0.0/8")
        #expect(location(request(from: "10.1.2.3", proto: "https"), proxies) == "https://api.example:8000/api/v1/config")
    }

    @Test func anUntrustedPeerCannotChooseTheScheme() {
        #expect(location(request(from: "203.0.113.9", proto: "https"), .default) == "http://api.example:8000/api/v1/config")
        #expect(location(request(from: "127.0.0.1", proto: "gopher"), .default) == "http://api.example:8000/api/v1/config")
        #expect(location(request(from: "127.0.0.1", proto: nil), .default) == "http://api.example:8000/api/v1/config")
    }
}
