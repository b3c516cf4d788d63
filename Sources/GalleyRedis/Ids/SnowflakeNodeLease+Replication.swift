import GalleyCore

/// Through Sentinel the lease counts as confirmed only once a replica has it, so the
/// replica a failover promotes holds the key (and its expiry) too.
extension SnowflakeNodeLease {
    /// How long a renewal waits for a replica's acknowledgement.
    static let replicaWaitMilliseconds: Int64 = 500

    /// True when the master has no replica connected (nothing a failover could promote
    /// without first copying this master) or one acknowledged the writes so far (`WAIT`).
    package static func replicated(_ connection: RedisConnection) -> Bool {
        guard let role = try? connection.checkedCommand(["ROLE"]), case .array(let parts) = role,
              parts.first?.stringValue == "master"
        else { return false }
        let replicas = parts.count > 2 ? (parts[2].arrayValue?.count ?? 0) : 0
        if replicas == 0 { return true }
        let acknowledged = try? connection.checkedCommand(["WAIT", 1, .integer(replicaWaitMilliseconds)]).integerValue
        return (acknowledged ?? 0) >= 1
    }
}
