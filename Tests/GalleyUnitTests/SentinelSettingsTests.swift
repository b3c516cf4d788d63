import Testing
import GalleyCore
import GalleyRedis
import GalleyRuntime

/// `REDIS_SENTINELS` and friends: parsed into the pool's configuration, refused when malformed.
@Suite struct SentinelSettingsTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app"]

    @Test func parsesHostPortLists() {
        let parsed = RedisSentinelConfiguration.parseAddresses(" 10.0.0.1:26379, sentinel-b:26380 ,[::1]:26381")
        #expect(parsed == [.init(host: "10.0.0.1", port: 26379), .init(host: "sentinel-b", port: 26380), .init(host: "::1", port: 26381)])
        for bad in ["", "host", "host:0", "host:70000", ":26379", "::1:26379", "[::1]26379", "a:1,b"] {
            #expect(RedisSentinelConfiguration.parseAddresses(bad) == nil, "\(bad)")
        }
    }

    @Test func withoutSentinelsTheFixedAddressIsUsed() throws {
        let settings = try Settings.load(from: minimal)
        #expect(settings.redis.sentinel == nil)
        #expect(settings.redisConfiguration.sentinel == nil)
    }

    @Test func sentinelsGiveEveryConnectionAResolver() throws {
        var env = minimal
        env["REDIS_SENTINELS"] = "127.0.0.1:26379,127.0.0.1:26380"
        env["REDIS_SENTINEL_PASSWORD"] = "s3cret"
        let settings = try Settings.load(from: env)
        let sentinel = try #require(settings.redis.sentinel)
        #expect(sentinel.masterName == "mymaster")
        #expect(sentinel.password == "s3cret")
        #expect(sentinel.sentinels.count == 2)
        #expect(settings.redisConfiguration.sentinel?.configuration == sentinel)

        env["REDIS_SENTINEL_MASTER"] = "galley"
        #expect(try Settings.load(from: env).redis.sentinel?.masterName == "galley")
    }

    @Test func aMalformedListIsAConfigurationError() {
        var env = minimal
        env["REDIS_SENTINELS"] = "127.0.0.1"
        #expect(throws: ConfigurationError.self) { try Settings.load(from: env) }
    }
}
