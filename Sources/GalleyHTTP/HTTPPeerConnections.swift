import GalleyCore
import Synchronization

/// Open connections per peer address, for `HTTP_PER_IP_CONNECTION_LIMIT`.
///
/// Counted here rather than by libmicrohttpd's own per-IP limit so that trusted proxies
/// (`FORWARDED_ALLOW_IPS`) are spared: behind one, every client shares its address, and
/// capping it would cap the whole service. Admission is checked at accept and counted
/// when the connection starts; several accept threads may overshoot by one each.
final class HTTPPeerConnections: Sendable {
    private let limit: Int
    private let exempt: ForwardedAllowList?
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int, exempt: ForwardedAllowList?) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Whether a new connection from `address` may be accepted.
    func admits(_ address: String) -> Bool {
        guard isCapped(address) else { return true }
        return counts.withLock { ($0[address] ?? 0) < limit }
    }

    /// Counts a started connection; true when it was counted (and must be `closed` later).
    func opened(_ address: String) -> Bool {
        guard isCapped(address) else { return false }
        counts.withLock { $0[address, default: 0] += 1 }
        return true
    }

    func closed(_ address: String) {
        counts.withLock { counts in
            let left = (counts[address] ?? 1) - 1
            counts[address] = left > 0 ? left : nil
        }
    }

    /// Connections counted for `address` now (tests and diagnostics).
    func count(_ address: String) -> Int { counts.withLock { $0[address] ?? 0 } }

    private func isCapped(_ address: String) -> Bool {
        guard limit > 0, !address.isEmpty else { return false }
        return !(exempt?.trusts(address) ?? false)
    }
}
