import Foundation
import GalleyCore

/// One Redis Cluster node's address: a seed from `REDIS_CLUSTER_NODES`, or an owner of
/// slots as `CLUSTER SLOTS`, `MOVED` and `ASK` name it.
public struct RedisClusterNode: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (`[v6]:port` for an IPv6 address); nil when it is not one.
    public init?(parsing text: some StringProtocol) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
              (1...65535).contains(port)
        else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "," }) else { return nil }
        self.init(host: host, port: port)
    }

    /// Parses a comma-separated `host:port` list; nil when any item is not one or it is empty.
    public static func list(parsing text: String) -> [RedisClusterNode]? {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let nodes = items.compactMap { RedisClusterNode(parsing: $0) }
        guard !nodes.isEmpty, nodes.count == items.count else { return nil }
        return nodes
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
