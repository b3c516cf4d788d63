import CHiredis
import Foundation
import GalleyCore

/// Owns one `redisContext*` and frees it exactly once.
///
/// The one `@unchecked Sendable` type of the Redis layer: hiredis contexts are not
/// thread-safe, but a context only moves between threads through ``RedisPool``'s
/// checkout, which hands it to one caller at a time; the mutable fields follow it.
final class RedisContextHandle: @unchecked Sendable {
    let context: UnsafeMutablePointer<redisContext>
    /// Set once an I/O error (or a timeout) left the context in an unknown state.
    var isBroken = false
    /// The socket timeout currently set on the context.
    var timeoutSeconds: Double
    /// The master this connection reached through Sentinel; nil for a fixed address.
    var sentinelMaster: RedisSentinelConfiguration.Address?

    init(context: UnsafeMutablePointer<redisContext>, timeoutSeconds: Double) {
        self.context = context
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { redisFree(context) }

    /// hiredis' message for the last error, for `debugDescription` only.
    var errorText: String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// An idle connection must have nothing to read: readable means the server closed it
    /// (killed, restarted, idle timeout) or sent something we never asked for.
    var looksAliveWhileIdle: Bool {
        if isBroken || context.pointee.err != 0 { return false }
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready == 0
    }
}
