import CCurl
import GalleyCore

/// The one `@unchecked Sendable` type of the HTTP client: a libcurl multi handle. Other
/// threads only call ``wakeup()`` (`curl_multi_wakeup` is documented thread-safe); every
/// other call, and the cleanup, happens on the client's loop thread.
final class CurlMultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init?() {
        CurlMultiHandle.globalInit
        guard let pointer = curl_multi_init() else { return nil }
        self.pointer = pointer
    }

    /// Makes a `curl_multi_poll` in progress (or the next one) return at once.
    func wakeup() {
        _ = curl_multi_wakeup(pointer)
    }

    /// `curl_global_init` once per process, before the first handle (it is not thread-safe
    /// in older libcurl; a Swift static initializer runs once, under a lock).
    private static let globalInit: Void = {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()
}
