import GalleyHTTP

extension GatewayServices {
    /// The client's address for limits and logs: `X-Forwarded-For`'s rightmost address
    /// no trusted proxy added, believed only from a peer in `FORWARDED_ALLOW_IPS`
    /// (uvicorn's rule), else the TCP peer.
    func clientAddress(of request: HTTPRequest) -> String {
        // Several header lines form one list (RFC 9110), the last proxy's entries last.
        let lines = request.headers.values(for: "X-Forwarded-For")
        return settings.http.forwardedAllowIPs.clientAddress(
            peer: request.remoteAddress, forwardedFor: lines.isEmpty ? nil : lines.joined(separator: ","))
    }
}

extension RequestContext {
    /// ``GatewayServices/clientAddress(of:)`` of this request.
    var clientAddress: String { services.clientAddress(of: request) }
}
