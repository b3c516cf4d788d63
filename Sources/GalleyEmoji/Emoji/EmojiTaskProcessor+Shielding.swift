import GalleyCore
import GalleyRedis
import GalleyRuntime

/// Keeping Swift task cancellation away from URLSession.
///
/// On Linux, cancelling a task whose `URLSession` request is in flight can deadlock inside
/// FoundationNetworking (swift-corelibs-foundation#5412), and the stream consumer cancels
/// every task at its shutdown deadline. So provider and storage calls run in a task of
/// their own that the caller's cancellation never reaches; they end by their own request
/// timeouts, and the caller stops at the next safe point instead.
extension EmojiTaskProcessor {
    static func shielded<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        await Task { await body() }.value
    }
}
