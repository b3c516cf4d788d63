import Dispatch
import Synchronization
import GalleyCore
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks

/// Runs async work (the provider client, object storage) from a handler thread and
/// waits for it. Handler threads are plain OS threads, never the cooperative pool, so
/// blocking one on a semaphore is safe.
enum AsyncBridge {
    private final class Box<T: Sendable>: Sendable {
        let result = Mutex<Result<T, any Error>?>(nil)
    }

    static func wait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            box.result.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        guard let result = box.result.withLock({ $0 }) else { throw APIError.internalError }
        return try result.get()
    }
}
