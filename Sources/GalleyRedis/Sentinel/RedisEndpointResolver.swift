import Foundation
import Synchronization
public import GalleyCore

/// Finds the Redis master through Sentinel and remembers it until a connection says it
/// moved. Every connection of a pool (and so every Redis user of the process) connects
/// to ``master()``; a connection that breaks, times out, or hears `READONLY` or
/// `UNBLOCKED` calls ``invalidate(_:)`` and the next connect asks the Sentinels again.
///
/// Discovery: each Sentinel in turn (the one that answered last first) is asked
/// `SENTINEL get-master-addr-by-name`; the connect step then checks the named server's
/// `ROLE` says `master` (a Sentinel may still name a demoted master for a moment).
public final class RedisEndpointResolver: Sendable {
    private struct State {
        var master: RedisSentinelConfiguration.Address?
        /// Sentinels in the order to ask them; the last one that answered first.
        var order: [RedisSentinelConfiguration.Address]
        /// Bumped whenever a different master is resolved (a failover, as seen from here).
        var epoch = 0
        var lastResolved: RedisSentinelConfiguration.Address?
    }

    public let configuration: RedisSentinelConfiguration
    private let connectTimeoutSeconds: Double
    private let logger: Logger
    private let state: Mutex<State>
    /// Counts discoveries and master changes, for the failover metrics.
    private let counters = Mutex((discoveries: 0, switches: 0, failures: 0))

    public init(configuration: RedisSentinelConfiguration, connectTimeoutSeconds: Double = 1,
                logger: Logger = Logger(label: "redis-sentinel")) {
        self.configuration = configuration
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.logger = logger
        self.state = Mutex(State(order: configuration.sentinels))
    }

    /// Increases each time the resolved master changes address; a holder of state that
    /// lives on the master (the Snowflake lease) re-checks it when this moves.
    public var epoch: Int { state.withLock { $0.epoch } }

    /// The master now believed current, if one was resolved and not invalidated since.
    public var currentMaster: RedisSentinelConfiguration.Address? { state.withLock { $0.master } }

    /// Sentinel queries made, master changes seen, and discoveries that found no master.
    public var stats: (discoveries: Int, switches: Int, failures: Int) { counters.withLock { $0 } }

    /// The master's address: the remembered one, or a fresh answer from the Sentinels.
    public func master() throws -> RedisSentinelConfiguration.Address {
        if let known = state.withLock({ $0.master }) { return known }
        return try discover()
    }

    /// Forgets `address` as the master (nil: whatever is remembered). A late report about
    /// an address already replaced does nothing.
    public func invalidate(_ address: RedisSentinelConfiguration.Address? = nil) {
        state.withLock { state in
            if address == nil || state.master == address { state.master = nil }
        }
    }

    /// Asks the Sentinels, one after another, for the master's address.
    @discardableResult
    public func discover() throws -> RedisSentinelConfiguration.Address {
        counters.withLock { $0.discoveries += 1 }
        let order = state.withLock { $0.order }
        var lastError = "no sentinel configured"
        for sentinel in order {
            do {
                let address = try ask(sentinel)
                remember(address, answeredBy: sentinel)
                return address
            } catch {
                lastError = "\(sentinel): \((error as? RedisError)?.debugDescription ?? "\(error)")"
            }
        }
        counters.withLock { $0.failures += 1 }
        throw RedisError.connectionFailed("no sentinel named a master for \(configuration.masterName) (\(lastError))")
    }

    private func remember(_ address: RedisSentinelConfiguration.Address, answeredBy sentinel: RedisSentinelConfiguration.Address) {
        let switched = state.withLock { state -> Bool in
            state.master = address
            state.order.removeAll { $0 == sentinel }
            state.order.insert(sentinel, at: 0)
            defer { state.lastResolved = address }
            guard let previous = state.lastResolved, previous != address else { return false }
            state.epoch += 1
            return true
        }
        if switched {
            counters.withLock { $0.switches += 1 }
            logger.warning("redis master changed", ["master": address.description, "sentinel_master": configuration.masterName])
        }
    }

    private func ask(_ sentinel: RedisSentinelConfiguration.Address) throws -> RedisSentinelConfiguration.Address {
        let connection = try RedisConnection(configuration: RedisConfiguration(
            host: sentinel.host, port: sentinel.port, password: configuration.password,
            connectTimeoutSeconds: connectTimeoutSeconds, commandTimeoutSeconds: connectTimeoutSeconds))
        let reply = try connection.checkedCommand(["SENTINEL", "get-master-addr-by-name", .string(configuration.masterName)])
        guard case .array(let parts) = reply, parts.count == 2,
              let host = parts[0].stringValue, let portText = parts[1].stringValue, let port = Int(portText)
        else { throw RedisError.unexpectedReply("sentinel does not know master \(configuration.masterName)") }
        return RedisSentinelConfiguration.Address(host: host, port: port)
    }
}
