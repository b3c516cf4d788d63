import GalleyCore

/// What XAUTOCLAIM took over from idle consumers.
public struct AutoClaimResult: Sendable, Hashable {
    /// Where the next XAUTOCLAIM should start; `0-0` once the whole PEL was scanned.
    public var nextStart: String
    /// Messages now owned by the claiming consumer (delivery count incremented).
    public var entries: [StreamEntry]
    /// Pending ids whose messages no longer exist; Redis 7 removed them from the PEL.
    public var deletedIDs: [String]

    public init(nextStart: String, entries: [StreamEntry], deletedIDs: [String]) {
        self.nextStart = nextStart
        self.entries = entries
        self.deletedIDs = deletedIDs
    }
}
