import GalleyCore

/// What a Cluster error reply asks the client to do instead of failing.
enum RedisClusterRedirect: Equatable {
    /// `MOVED slot host:port`: the slot lives there now; update the map and resend there.
    case moved(slot: Int, node: RedisClusterNode)
    /// `ASK slot host:port`: this one key is being migrated; send `ASKING` then the command
    /// there, without changing the map.
    case ask(slot: Int, node: RedisClusterNode)
    /// `TRYAGAIN`: a multi-key command during a migration; retry shortly.
    case tryAgain
    /// `CLUSTERDOWN`: the cluster cannot serve the slot now (failover, setup); reread the map.
    case clusterDown

    /// The redirect an error reply carries, nil for any other reply.
    init?(_ reply: RedisValue) {
        guard case .error(let message) = reply else { return nil }
        let words = message.split(separator: " ")
        guard let code = words.first else { return nil }
        switch code {
        case "MOVED", "ASK":
            guard words.count >= 3, let slot = Int(words[1]), (0..<RedisSlot.count).contains(slot),
                  let node = RedisClusterNode(parsing: words[2])
            else { return nil }
            self = code == "MOVED" ? .moved(slot: slot, node: node) : .ask(slot: slot, node: node)
        case "TRYAGAIN":
            self = .tryAgain
        case "CLUSTERDOWN":
            self = .clusterDown
        default:
            return nil
        }
    }
}
