import GalleyCore
import GalleyRedis

/// `REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`, `REDIS_SENTINEL_PASSWORD`: Redis reached
/// through Sentinel instead of a fixed address.
extension Settings {
    static func sentinelConfiguration(_ env: SettingsReader) throws(ConfigurationError) -> RedisSentinelConfiguration? {
        guard let list = try env.text("REDIS_SENTINELS") else { return nil }
        guard let sentinels = RedisSentinelConfiguration.parseAddresses(list) else {
            throw .invalid("REDIS_SENTINELS", expected: "host:port[,host:port...]")
        }
        let master = try env.required("REDIS_SENTINEL_MASTER")
        return RedisSentinelConfiguration(sentinels: sentinels, masterName: master, password: try env.text("REDIS_SENTINEL_PASSWORD"))
    }
}
