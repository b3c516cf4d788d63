import GalleyRedis

/// The switch that runs the suites through Sentinel: `REDIS_SENTINELS` and
/// `REDIS_SENTINEL_MASTER` in the test environment (`scripts/sentinel env` prints them),
/// the same settings the fleet reads, so child processes inherit them too.
extension TestEnvironment {
    package static var redisSentinel: RedisSentinelConfiguration? {
        guard let list = env["REDIS_SENTINELS"], !list.isEmpty,
              let sentinels = RedisSentinelConfiguration.parseAddresses(list) else { return nil }
        return RedisSentinelConfiguration(sentinels: sentinels, masterName: env["REDIS_SENTINEL_MASTER"] ?? "galley",
                                          password: env["REDIS_SENTINEL_PASSWORD"])
    }

    /// The master the Sentinels name at this moment (nil without Sentinel or when none answers).
    static var sentinelMaster: RedisSentinelConfiguration.Address? {
        guard let sentinel = redisSentinel else { return nil }
        return try? RedisEndpointResolver(configuration: sentinel).discover()
    }
}
