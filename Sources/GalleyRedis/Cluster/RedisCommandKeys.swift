import GalleyCore

/// Which arguments of a command are keys, so a Cluster client can send it to the node that
/// owns their slot. Covers the commands Galley sends and the common multi-key ones; any
/// other command is taken to have its key first (`GET key`, `XADD key …`).
enum RedisCommandKeys {
    /// Commands that name no key: they go to whichever node the connection is on.
    private static let keyless: Set<String> = [
        "ASKING", "AUTH", "BGREWRITEAOF", "BGSAVE", "CLIENT", "CLUSTER", "COMMAND", "CONFIG", "DBSIZE", "DEBUG",
        "DISCARD", "ECHO", "EXEC", "FAILOVER", "FLUSHALL", "FLUSHDB", "FUNCTION", "HELLO", "INFO", "KEYS",
        "LASTSAVE", "LATENCY", "MONITOR", "MULTI", "PING", "PSUBSCRIBE", "PUBLISH", "PUNSUBSCRIBE", "QUIT",
        "RANDOMKEY", "READONLY", "READWRITE", "REPLICAOF", "ROLE", "SAVE", "SCAN", "SCRIPT", "SELECT", "SENTINEL",
        "SHUTDOWN", "SLAVEOF", "SLOWLOG", "SUBSCRIBE", "SWAPDB", "TIME", "UNSUBSCRIBE", "UNWATCH", "WAIT",
    ]
    /// Commands whose every argument is a key.
    private static let allKeys: Set<String> = [
        "DEL", "EXISTS", "MGET", "PFCOUNT", "PFMERGE", "SDIFF", "SDIFFSTORE", "SINTER", "SINTERSTORE", "SUNION",
        "SUNIONSTORE", "TOUCH", "UNLINK", "WATCH",
    ]
    /// Commands whose first two arguments are keys.
    private static let twoKeys: Set<String> = ["COPY", "LMOVE", "RENAME", "RENAMENX", "RPOPLPUSH", "SMOVE"]
    /// `EVAL script numkeys key …` and its relatives.
    private static let scripts: Set<String> = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]

    /// The key arguments of `arguments` (command name first); empty for a keyless command.
    static func keys(of arguments: [RedisArgument]) -> [[UInt8]] {
        guard let first = arguments.first else { return [] }
        let name = String(decoding: first.encoded, as: UTF8.self).uppercased()
        let rest = arguments.dropFirst().map(\.encoded)
        if keyless.contains(name) { return [] }
        if allKeys.contains(name) { return rest }
        if twoKeys.contains(name) { return Array(rest.prefix(2)) }
        switch name {
        case _ where scripts.contains(name):
            guard rest.count >= 2, let count = Int(String(decoding: rest[1], as: UTF8.self)), count >= 0 else { return [] }
            return Array(rest.dropFirst(2).prefix(count))
        case "MSET", "MSETNX":
            return stride(from: 0, to: rest.count, by: 2).map { rest[$0] }
        case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX":
            return Array(rest.dropLast())
        case "XREAD", "XREADGROUP":
            // `… STREAMS key1 key2 id1 id2`: the first half after STREAMS.
            guard let marker = rest.firstIndex(where: { String(decoding: $0, as: UTF8.self).uppercased() == "STREAMS" })
            else { return [] }
            let tail = Array(rest[(marker + 1)...])
            return Array(tail.prefix(tail.count / 2))
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            // A subcommand first: `XGROUP CREATE key …`, `XINFO GROUPS key`.
            return rest.count >= 2 ? [rest[1]] : []
        default:
            return rest.isEmpty ? [] : [rest[0]]
        }
    }

    /// The one slot every key of the command is in; nil for a keyless command. Keys in two
    /// slots throw: a Cluster refuses them (CROSSSLOT), so say so before sending.
    static func slot(of arguments: [RedisArgument]) throws -> Int? {
        var found: Int?
        for key in keys(of: arguments) {
            let slot = RedisSlot.of(key)
            if let found, found != slot {
                throw RedisError.invalidArgument("keys of one command are in different cluster slots")
            }
            found = slot
        }
        return found
    }
}
