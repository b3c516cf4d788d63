
extension Duration {
    /// Whole milliseconds, rounded down: what Redis' BLOCK and min-idle arguments take.
    public var wholeMilliseconds: Int {
        let parts = components
        return Int(parts.seconds) * 1000 + Int(parts.attoseconds / 1_000_000_000_000_000)
    }
}
