import Foundation
import Synchronization
import GalleyCore

/// Tokens verified on each lane lately (issue 16: a read's HMAC and token JSON were a
/// tenth of its CPU), so a client's next read on that lane skips them. Keyed by the
/// token's exact text, so a hit is a token that verified before with the same keys; its
/// `exp` is checked on every hit, and an expired one goes through ``JWTSigner/verify``
/// again for the same refusal. Successes only; each lane's table is its own (no shared
/// lock) and bounded (emptied when full).
final class LaneTokens: Sendable {
    struct Entry: Sendable {
        let subject: String
        let expires: Double
    }

    private final class Table: Sendable {
        let entries = Mutex<[String: Entry]>([:])
    }

    /// Tokens remembered per lane at most (about 1 MB).
    static let capacity = 4096
    private let tables: [Table]

    init(lanes: Int) {
        tables = (0..<max(0, lanes)).map { _ in Table() }
    }

    /// The token's subject as `verify` answers it, from lane `lane`'s table when it can.
    func subject(of token: String, lane: Int, now: Date,
                 verify: (String) throws(JWTError) -> String) throws(JWTError) -> String {
        guard tables.indices.contains(lane) else { return try verify(token) }
        let table = tables[lane]
        if let entry = table.entries.withLock({ $0[token] }) {
            if entry.expires > now.timeIntervalSince1970 { return entry.subject }
            table.entries.withLock { _ = $0.removeValue(forKey: token) }
            return try verify(token)
        }
        let subject = try verify(token)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]),
              let expires = (try? JSONParser.parse(payload))?["exp"]?.doubleValue else { return subject }
        table.entries.withLock { entries in
            if entries.count >= LaneTokens.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = Entry(subject: subject, expires: expires)
        }
        return subject
    }
}
