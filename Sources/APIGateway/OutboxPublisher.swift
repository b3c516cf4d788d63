import Shared
import Synchronization

/// Sends outbox rows to their Redis stream at most once each: the dedupe script sets
/// `galley:outbox:sent:<id>` (a day) and XADDs only if it was not set, so the request
/// that wrote the row and the relay can both try without doubling an entry.
///
/// Rows the request path sent are not deleted there (that would cost a round trip per
/// request); their ids wait here and the relay deletes them in one batch.
final class OutboxPublisher: Sendable {
    static let script = """
        if redis.call('SET', KEYS[2], '1', 'NX', 'EX', 86400) then \
        return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 2)) \
        else return false end
        """
    /// Streams are trimmed to about this many entries (consumed entries are kept for
    /// operators; a backlog this deep means the workers are gone anyway).
    static let maxStreamLength = 1_000_000

    static func sentKey(_ id: Int64) -> String { "galley:outbox:sent:\(id)" }

    private let redis: RedisPool
    private let logger: Logger
    private let sent = Mutex<[Int64]>([])

    init(redis: RedisPool, postgres: PostgresPool, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    /// The EVAL arguments that send `entry`.
    static func command(for entry: OutboxEntry) -> [RedisArgument] {
        var arguments: [RedisArgument] = ["EVAL", .string(script), 2, .string(entry.stream), .string(sentKey(entry.id)),
                                          .integer(Int64(maxStreamLength))]
        for (name, value) in entry.fields {
            arguments.append(.string(name))
            arguments.append(.string(value))
        }
        return arguments
    }

    /// After the commit that wrote `entry`: sends it now if Redis answers. A failure only
    /// logs; the row stays and the relay sends it once Redis is back.
    func publishAfterCommit(_ entry: OutboxEntry) {
        do {
            let reply = try redis.withConnection { try $0.command(OutboxPublisher.command(for: entry)) }
            if case .error(let message) = reply {
                logger.warning("outbox send refused; the relay will retry",
                               ["outbox_id": String(entry.id), "error": String(message.prefix { $0 != " " })])
                return
            }
            sent.withLock { $0.append(entry.id) }
        } catch {
            logger.warning("outbox send failed; the relay will retry",
                           ["outbox_id": String(entry.id), "error": String(describing: error)])
        }
    }

    /// Ids sent by requests since the last call, for the relay to delete.
    func takeSent() -> [Int64] {
        sent.withLock { ids in
            defer { ids.removeAll(keepingCapacity: true) }
            return ids
        }
    }

    /// Gives ids back when the relay could not delete them this time.
    func returnSent(_ ids: [Int64]) {
        sent.withLock { $0.append(contentsOf: ids) }
    }
}
