import Testing
@testable import GalleyRedis
@testable import GalleyRuntime
@testable import GalleyGateway
@testable import GalleyAdmin

/// Slot computation against the vectors Redis publishes (the Cluster specification's CRC16
/// check value) and `CLUSTER KEYSLOT` answers of Redis 7.0, and the key table that routes
/// every command Galley sends.
@Suite struct RedisSlotTests {
    @Test func crc16MatchesTheSpecificationCheckValue() {
        // "The CRC16 of 123456789 is 0x31C3" (Redis Cluster specification, appendix A).
        #expect(RedisSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisSlot.crc16([UInt8]()) == 0)
    }

    @Test(arguments: [
        ("foo", 12182), ("bar", 5061), ("hello", 866), ("somekey", 11058), ("", 0),
        ("{user1000}.following", 3443), ("{user1000}.followers", 3443),
        // Only the first {…} with something inside counts.
        ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015), ("{bar", 4015), ("foo{bar}{zap}", 5061),
        ("emoji_tasks", 5859), ("webhook_events", 11244),
    ])
    func keySlotsMatchClusterKeyslot(key: String, slot: Int) {
        #expect(RedisSlot.of(key) == slot)
    }

    @Test func theOutboxMarkerSharesItsStreamsSlot() throws {
        for stream in ["emoji_tasks", "webhook_events", "a{b}c"] {
            let entry = OutboxEntry(id: 42, stream: stream, fields: [("task_id", "7")])
            let command = OutboxPublisher.command(for: entry)
            #expect(try RedisCommandKeys.slot(of: command) == RedisSlot.of(stream))
            #expect(RedisCommandKeys.keys(of: command).count == 2)
        }
        #expect(OutboxPublisher.sentKey(42, stream: "emoji_tasks") == "galley:outbox:sent:{emoji_tasks}:42")
        // The console's requeue sends outbox rows too: the same marker, or the relay sends them twice.
        for stream in ["emoji_tasks", "webhook_events"] {
            #expect(AdminOperations.outboxSentKey(7, stream: stream) == OutboxPublisher.sentKey(7, stream: stream))
        }
        #expect(RedisSlot.tag(sameSlotAs: "a}b") == nil)
    }

    @Test func keysOfTheCommandsGalleySends() throws {
        func keys(_ arguments: [RedisArgument]) -> [String] {
            RedisCommandKeys.keys(of: arguments).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(keys(["GET", "k"]) == ["k"])
        #expect(keys(["set", "k", "v", "NX"]) == ["k"])
        #expect(keys(["EVAL", "return 1", 2, "a", "b", "arg"]) == ["a", "b"])
        #expect(keys(["EVAL", "return 1", 0, "arg"]) == [])
        #expect(keys(["XREADGROUP", "GROUP", "g", "c", "COUNT", 5, "BLOCK", 100, "STREAMS", "s1", "s2", ">", ">"]) == ["s1", "s2"])
        #expect(keys(["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]) == ["s"])
        #expect(keys(["XINFO", "GROUPS", "s"]) == ["s"])
        #expect(keys(["XCLAIM", "s", "g", "c", "0", "1-1", "JUSTID"]) == ["s"])
        #expect(keys(["DEL", "a", "b"]) == ["a", "b"])
        #expect(keys(["MSET", "a", "1", "b", "2"]) == ["a", "b"])
        #expect(keys(["TIME"]) == [])
        #expect(keys(["PING"]) == [])
        #expect(keys(["CLUSTER", "SLOTS"]) == [])
        #expect(try RedisCommandKeys.slot(of: ["TIME"]) == nil)
        #expect(throws: RedisError.invalidArgument) { try RedisCommandKeys.slot(of: ["DEL", "foo", "bar"]) }
        #expect(try RedisCommandKeys.slot(of: ["DEL", "{u}a", "{u}b"]) == RedisSlot.of("u"))
    }

    @Test func redirectsAreParsed() {
        let node = RedisClusterNode(host: "127.0.0.1", port: 47001)
        #expect(RedisClusterRedirect(.error("MOVED 3999 127.0.0.1:47001")) == .moved(slot: 3999, node: node))
        #expect(RedisClusterRedirect(.error("ASK 3999 127.0.0.1:47001")) == .ask(slot: 3999, node: node))
        #expect(RedisClusterRedirect(.error("TRYAGAIN Multiple keys request during rehashing of slot")) == .tryAgain)
        #expect(RedisClusterRedirect(.error("CLUSTERDOWN The cluster is down")) == .clusterDown)
        #expect(RedisClusterRedirect(.error("MOVED 99999 127.0.0.1:47001")) == nil)
        #expect(RedisClusterRedirect(.error("ERR wrong number of arguments")) == nil)
        #expect(RedisClusterRedirect(.status("OK")) == nil)
    }

    @Test func clusterSlotsReplyBecomesAMap() throws {
        func range(_ start: Int64, _ end: Int64, _ host: String, _ port: Int64) -> RedisValue {
            .array([.integer(start), .integer(end), .array([.string(Array(host.utf8)), .integer(port), .string(Array("id".utf8))])])
        }
        let reply = RedisValue.array([range(0, 5460, "127.0.0.1", 47000), range(5461, 10922, "", 47001),
                                      range(10923, 16383, "127.0.0.1", 47002)])
        var map = try RedisClusterSlotMap(clusterSlots: reply, askedHost: "10.0.0.9")
        #expect(map.coversAllSlots)
        #expect(map.owner(of: 0) == RedisClusterNode(host: "127.0.0.1", port: 47000))
        #expect(map.owner(of: 5859) == RedisClusterNode(host: "10.0.0.9", port: 47001))
        #expect(map.owner(of: 16383) == RedisClusterNode(host: "127.0.0.1", port: 47002))
        map.assign(0, to: RedisClusterNode(host: "127.0.0.1", port: 47002))
        #expect(map.owner(of: 0)?.port == 47002)
        #expect(map.nodes.count == 3)
        #expect(throws: RedisError.unexpectedReply) {
            try RedisClusterSlotMap(clusterSlots: .array([range(5, 4, "h", 1)]), askedHost: "h")
        }
    }

    @Test func clusterNodesSettingIsParsedAndChecked() throws {
        #expect(RedisClusterNode.list(parsing: "127.0.0.1:47000, 127.0.0.1:47001")?.map(\.port) == [47000, 47001])
        #expect(RedisClusterNode(parsing: "[::1]:7000") == RedisClusterNode(host: "::1", port: 7000))
        #expect(RedisClusterNode.list(parsing: "127.0.0.1") == nil)
        #expect(RedisClusterNode.list(parsing: "a:1,b:0") == nil)
        #expect(RedisClusterNode.list(parsing: " , ") == nil)

        let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]
        let one = try Settings.load(from: minimal)
        #expect(one.redis.clusterNodes.isEmpty && one.redisConfiguration.clusterNodes.isEmpty)
        var env = minimal
        env["REDIS_CLUSTER_NODES"] = "10.0.0.1:7000,10.0.0.2:7001"
        let cluster = try Settings.load(from: env).redisConfiguration
        #expect(cluster.clusterNodes.count == 2)
        #expect(cluster.host == "10.0.0.1" && cluster.port == 7000)
        env["REDIS_DB"] = "3"
        #expect(throws: (any Error).self) { try Settings.load(from: env) }
        env["REDIS_DB"] = "0"
        env["REDIS_CLUSTER_NODES"] = "10.0.0.1"
        #expect(throws: (any Error).self) { try Settings.load(from: env) }
    }
}
