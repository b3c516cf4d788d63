import Foundation

/// Runs blocking work (a libmicrohttpd shutdown, a blocking loop over libpq) on its own
/// thread, never on Swift's cooperative pool, and resumes with its result.
package func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.start()
    }
}
