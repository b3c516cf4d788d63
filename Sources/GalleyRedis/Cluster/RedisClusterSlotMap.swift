import GalleyCore

/// Which node serves each of the 16384 slots, as `CLUSTER SLOTS` answered, patched by
/// `MOVED` replies until the next full read.
struct RedisClusterSlotMap: Sendable {
    private(set) var nodes: [RedisClusterNode] = []
    /// Index into ``nodes`` per slot; -1 where no node serves the slot.
    private var owners = [Int16](repeating: -1, count: RedisSlot.count)

    init() {}

    /// The node serving `slot`, nil when none does (the cluster is down or being set up).
    func owner(of slot: Int) -> RedisClusterNode? {
        guard (0..<RedisSlot.count).contains(slot) else { return nil }
        let index = Int(owners[slot])
        return index >= 0 ? nodes[index] : nil
    }

    /// True when every slot has a node.
    var coversAllSlots: Bool { !owners.contains(-1) }

    /// Records that `node` serves `slot` (a `MOVED` reply said so).
    mutating func assign(_ slot: Int, to node: RedisClusterNode) {
        guard (0..<RedisSlot.count).contains(slot) else { return }
        owners[slot] = Int16(index(of: node))
    }

    private mutating func index(of node: RedisClusterNode) -> Int {
        if let index = nodes.firstIndex(of: node) { return index }
        nodes.append(node)
        return nodes.count - 1
    }

    /// Builds the map from a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …], replicas…], …]`.
    /// An empty host means "the node you asked", `askedHost`.
    init(clusterSlots reply: RedisValue, askedHost: String) throws {
        guard case .array(let ranges) = reply else { throw RedisError.unexpectedReply("CLUSTER SLOTS") }
        for range in ranges {
            guard case .array(let parts) = range, parts.count >= 3,
                  let start = parts[0].integerValue, let end = parts[1].integerValue,
                  0 <= start, start <= end, end < RedisSlot.count,
                  case .array(let master) = parts[2], master.count >= 2,
                  let host = master[0].stringValue, let port = master[1].integerValue, (1...65535).contains(port)
            else { throw RedisError.unexpectedReply("CLUSTER SLOTS range") }
            let node = RedisClusterNode(host: host.isEmpty || host == "?" ? askedHost : host, port: Int(port))
            let owner = Int16(index(of: node))
            for slot in Int(start)...Int(end) { owners[slot] = owner }
        }
    }
}
