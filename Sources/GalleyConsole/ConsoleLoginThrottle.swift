/// Failed logins counted per client address (the gateway backs this with its
/// `RateLimiter`, kind `admin_login`). Over the limit, even the right password is
/// refused until the window ends, so guessing cannot go on at full speed.
public protocol ConsoleLoginThrottle: Sendable {
    /// Seconds until `address` may try again, or nil when it may try now.
    func retryAfter(address: String) -> Int?
    /// Counts one failed attempt of `address`.
    func failed(address: String)
}
