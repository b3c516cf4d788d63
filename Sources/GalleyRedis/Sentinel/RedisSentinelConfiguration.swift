import GalleyCore

/// Where the Sentinels are and which master they watch (`REDIS_SENTINELS`,
/// `REDIS_SENTINEL_MASTER`, `REDIS_SENTINEL_PASSWORD`). The data password and database
/// stay in ``RedisConfiguration``; only the address of the master comes from here.
public struct RedisSentinelConfiguration: Sendable, Equatable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var sentinels: [Address]
    public var masterName: String
    /// Sent with `AUTH` to each Sentinel when set (never logged).
    public var password: String?

    public init(sentinels: [Address], masterName: String, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.password = password
    }

    /// Parses `host:port[,host:port...]` (`[v6]:port` for IPv6 literals); nil when a
    /// part is not one.
    public static func parseAddresses(_ text: String) -> [Address]? {
        let parts = text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return nil }
        var addresses: [Address] = []
        for part in parts {
            let host: Substring
            let portText: Substring
            if part.hasPrefix("["), let close = part.firstIndex(of: "]") {
                host = part[part.index(after: part.startIndex)..<close]
                let rest = part[part.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            } else {
                guard let colon = part.lastIndex(of: ":") else { return nil }
                host = part[..<colon]
                portText = part[part.index(after: colon)...]
                guard !host.contains(":") else { return nil }
            }
            guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { return nil }
            addresses.append(Address(host: String(host), port: port))
        }
        return addresses
    }
}
