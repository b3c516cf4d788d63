import Foundation
import Synchronization
import GalleyCore

/// Sends commands to the Redis Cluster node that serves their keys' slot.
///
/// It learns the slot map with `CLUSTER SLOTS` from any known node (the seeds first),
/// follows `MOVED` (the map is patched, and reread at most once a second) and `ASK`
/// (`ASKING` then the command on the importing node), retries `TRYAGAIN` and
/// `CLUSTERDOWN` briefly, and gives up after ``maxRedirects`` hops with the last error
/// reply. A command whose node refused the connection is resent once the map is reread
/// (it never reached Redis); one whose connection broke mid-command is not (it may have
/// run), and the map is reread before the next one.
///
/// Each node has its own idle connections; a ``RedisConnection`` borrows one per command,
/// so at most as many are open per node as the pool lends connections at once.
final class RedisClusterRouter: Sendable {
    private struct State {
        var map = RedisClusterSlotMap()
        var mapRead: ContinuousClock.Instant?
        var stale = true
        var idle: [RedisClusterNode: [RedisContextHandle]] = [:]
        var shutDown = false
    }

    /// Hops (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, refused connections) before giving up.
    static let maxRedirects = 6

    let seeds: [RedisClusterNode]
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let state = Mutex(State())
    private let moved: Counter
    private let asked: Counter
    private let mapReads: Counter

    init(seeds: [RedisClusterNode], configuration: RedisConfiguration, logger: Logger,
         metrics: MetricsRegistry = .shared) {
        self.seeds = seeds
        self.configuration = configuration
        self.logger = logger
        let help = "Redis Cluster redirects followed."
        moved = metrics.counter("galley_redis_cluster_redirects_total", help: help, labels: [("kind", "moved")])
        asked = metrics.counter("galley_redis_cluster_redirects_total", help: help, labels: [("kind", "ask")])
        mapReads = metrics.counter("galley_redis_cluster_slot_map_reads_total", help: "CLUSTER SLOTS reads.")
    }

    /// Sends one command whose keys are in `slot`, following redirects.
    func command(_ arguments: [RedisArgument], slot: Int, timeoutSeconds: Double) throws -> RedisValue {
        var target = try owner(of: slot)
        var asking = false
        var last = RedisValue.error("CLUSTERDOWN no reply")
        for attempt in 0...RedisClusterRouter.maxRedirects {
            let reply: RedisValue
            do {
                let replies = try send(asking ? [["ASKING"], arguments] : [arguments], to: target, timeoutSeconds: timeoutSeconds)
                guard let final = replies.last else { throw RedisError.unexpectedReply("cluster reply") }
                reply = final
            } catch let error as RedisError where error == .connectionFailed && attempt < RedisClusterRouter.maxRedirects {
                // Never sent: the node may be gone (failed over, resharded away); reread and retry.
                logger.warning("redis cluster node unreachable; rereading the slot map",
                               ["node": target.description, "error": String(describing: error)])
                markStale()
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt + 1))
                target = try owner(of: slot)
                asking = false
                continue
            } catch let error as RedisError where error == .connectionLost {
                markStale()
                throw error
            }
            asking = false
            last = reply
            switch RedisClusterRedirect(reply) {
            case nil:
                return reply
            case .moved(let movedSlot, let node)?:
                moved.increment()
                learnMoved(movedSlot, to: node)
                target = movedSlot == slot ? node : try owner(of: slot)
            case .ask(_, let node)?:
                asked.increment()
                target = node
                asking = true
            case .tryAgain?:
                Thread.sleep(forTimeInterval: 0.025 * Double(attempt + 1))
            case .clusterDown?:
                markStale()
                Thread.sleep(forTimeInterval: 0.1 * Double(attempt + 1))
                target = try owner(of: slot)
            }
        }
        return last
    }

    /// Sends `commands` grouped by node, one pipelined round trip per node, and answers the
    /// replies in order. Keyless commands (`TIME`) ride with the first keyed command's node.
    /// Nil when no command names a key: the caller's own connection takes them.
    func pipelineIfKeyed(_ commands: [[RedisArgument]], timeoutSeconds: Double) throws -> [RedisValue]? {
        let slots = try commands.map { try RedisCommandKeys.slot(of: $0) }
        guard let anchor = slots.lazy.compactMap({ $0 }).first else { return nil }
        let effective = slots.map { $0 ?? anchor }
        var order: [RedisClusterNode] = []
        var groups: [RedisClusterNode: [Int]] = [:]
        for (index, slot) in effective.enumerated() {
            let node = try owner(of: slot)
            if groups[node] == nil { order.append(node) }
            groups[node, default: []].append(index)
        }
        var replies = [RedisValue?](repeating: nil, count: commands.count)
        for node in order {
            let indexes = groups[node] ?? []
            do {
                let answered = try send(indexes.map { commands[$0] }, to: node, timeoutSeconds: timeoutSeconds)
                for (index, reply) in zip(indexes, answered) where RedisClusterRedirect(reply) == nil {
                    replies[index] = reply
                }
            } catch let error as RedisError where error == .connectionFailed {
                markStale()  // not sent; each command below finds its node again
            }
        }
        // Redirected (or unsent) commands one by one, each following its own redirects.
        for index in commands.indices where replies[index] == nil {
            replies[index] = try command(commands[index], slot: effective[index], timeoutSeconds: timeoutSeconds)
        }
        return replies.map { $0 ?? .null }
    }

    /// Closes idle node connections; later commands fail with ``RedisError/poolShutDown``.
    func shutdown() {
        let idle = state.withLock { state -> [RedisContextHandle] in
            state.shutDown = true
            defer { state.idle.removeAll() }
            return state.idle.values.flatMap { $0 }
        }
        _ = idle  // freed here, outside the lock
    }

    // MARK: - The slot map

    /// The node serving `slot`, reading the map first when it is stale or lacks the slot.
    func owner(of slot: Int) throws -> RedisClusterNode {
        let known = state.withLock { state -> RedisClusterNode? in
            state.stale ? nil : state.map.owner(of: slot)
        }
        if let known { return known }
        try readMap()
        guard let node = state.withLock({ $0.map.owner(of: slot) }) else {
            throw RedisError.connectionFailed("no redis cluster node serves slot \(slot)")
        }
        return node
    }

    /// A `MOVED` reply: patch the one slot now, reread the whole map at most once a second
    /// (a reshard moves slots in ranges; the next MOVED of a range finds the map fresh).
    private func learnMoved(_ slot: Int, to node: RedisClusterNode) {
        let reread = state.withLock { state -> Bool in
            state.map.assign(slot, to: node)
            guard let read = state.mapRead else { return true }
            return ContinuousClock.now - read > .seconds(1)
        }
        if reread { try? readMap() }
    }

    private func markStale() {
        state.withLock { $0.stale = true }
    }

    /// Reads `CLUSTER SLOTS` from the first node that answers: the map's nodes, then the seeds.
    func readMap() throws {
        let candidates = state.withLock { state in state.map.nodes } + seeds
        var tried = Set<RedisClusterNode>()
        var lastError: any Error = RedisError.connectionFailed("no redis cluster seed")
        for node in candidates where tried.insert(node).inserted {
            do {
                let reply = try send([["CLUSTER", "SLOTS"]], to: node, timeoutSeconds: configuration.commandTimeoutSeconds)
                guard let first = reply.first else { continue }
                let map = try RedisClusterSlotMap(clusterSlots: try first.checked(), askedHost: node.host)
                guard !map.nodes.isEmpty else { continue }  // a node not (yet) in a cluster
                mapReads.increment()
                state.withLock { state in
                    state.map = map
                    state.mapRead = ContinuousClock.now
                    state.stale = false
                }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    // MARK: - Node connections

    /// A new connection to the first node that accepts one (the map's nodes, then the
    /// seeds): the pool's own socket for keyless commands, so one dead seed stops nothing.
    func connectAnyNode() throws -> RedisContextHandle {
        let candidates = state.withLock { state in state.map.nodes } + seeds
        var tried = Set<RedisClusterNode>()
        var lastError: any Error = RedisError.connectionFailed("no redis cluster seed")
        for node in candidates where tried.insert(node).inserted {
            do {
                return try RedisConnection.connect(nodeConfiguration(node))
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func nodeConfiguration(_ node: RedisClusterNode) -> RedisConfiguration {
        var configuration = configuration
        configuration.host = node.host
        configuration.port = node.port
        configuration.database = 0  // a Cluster has only database 0
        return configuration
    }

    /// Sends `commands` pipelined on an idle (or new) connection to `node`.
    private func send(_ commands: [[RedisArgument]], to node: RedisClusterNode, timeoutSeconds: Double) throws -> [RedisValue] {
        let handle = try borrow(node)
        defer { giveBack(handle, to: node) }
        let connection = RedisConnection(handle: handle, configuration: configuration)
        if handle.timeoutSeconds != timeoutSeconds { try connection.setTimeout(seconds: timeoutSeconds) }
        return try connection.pipeline(commands)
    }

    private func borrow(_ node: RedisClusterNode) throws -> RedisContextHandle {
        let taken = try state.withLock { state -> RedisContextHandle? in
            if state.shutDown { throw RedisError.poolShutDown }
            return state.idle[node]?.popLast()
        }
        if let taken, taken.looksAliveWhileIdle { return taken }
        return try RedisConnection.connect(nodeConfiguration(node))
    }

    private func giveBack(_ handle: RedisContextHandle, to node: RedisClusterNode) {
        guard !handle.isBroken else { return }
        state.withLock { state in
            guard !state.shutDown else { return }
            state.idle[node, default: []].append(handle)
        }
    }
}
