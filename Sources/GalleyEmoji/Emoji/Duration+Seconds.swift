import GalleyRedis

/// Fractional seconds for the arithmetic of waits and deadlines.
extension Duration {
    /// The duration as fractional seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
