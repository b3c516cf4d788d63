import Foundation

/// `FORWARDED_ALLOW_IPS` as uvicorn reads it: a comma list of peers whose
/// `X-Forwarded-For` is believed (IPv4/IPv6 addresses or CIDR networks; `*` for any;
/// anything else is compared as text, like uvicorn's literals). Default `127.0.0.1`.
public struct ForwardedAllowList: Sendable, Equatable {
    public static let `default` = ForwardedAllowList(parsing: "127.0.0.1")

    private let trustsAll: Bool
    private let networks: [IPNetwork]
    private let literals: Set<String>

    public init(parsing text: String) {
        let items = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        trustsAll = items.contains("*")
        var networks: [IPNetwork] = []
        var literals: Set<String> = []
        for item in items where item != "*" {
            if let network = IPNetwork(item) { networks.append(network) } else { literals.insert(item) }
        }
        self.networks = networks
        self.literals = literals
    }

    public func trusts(_ host: String) -> Bool {
        if trustsAll || literals.contains(host) { return true }
        guard let address = IPNetwork.bytes(of: host) else { return false }
        return networks.contains { $0.contains(address) }
    }

    /// The client of a request from `peer` carrying `X-Forwarded-For: forwardedFor`:
    /// the peer itself unless it is trusted; else, from the right, the first address
    /// no trusted proxy added (the leftmost when all are trusted or with `*`).
    public func clientAddress(peer: String, forwardedFor: String?) -> String {
        guard let forwardedFor, trusts(peer) else { return peer }
        let hosts = forwardedFor.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard let first = hosts.first else { return peer }
        if trustsAll { return first }
        return hosts.last { !trusts($0) } ?? first
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1`), IPv4-mapped IPv6 treated as IPv4.
struct IPNetwork: Sendable, Equatable {
    let address: [UInt8]
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = IPNetwork.bytes(of: parts[0]) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return nil }
            prefix = given
        }
        self.address = address
        self.prefix = prefix
    }

    func contains(_ other: [UInt8]) -> Bool {
        guard other.count == address.count else { return false }
        var remaining = prefix
        for index in address.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// 4 or 16 bytes; nil for anything that is not an address (brackets and a zone allowed).
    static func bytes(of text: String) -> [UInt8]? {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let zone = host.firstIndex(of: "%") { host = String(host[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}
