import GalleyCore

/// One unit of a migration file, run on its own so that no lock on a live table is held
/// for longer than the statement needs. A file is cut into steps at lines
/// `-- galley:step`, `-- galley:step concurrently` or `-- galley:step check`; a file with
/// no such line is one transactional step (the format of the first migrations).
///
/// Every step must be safe to run again: a crash between steps leaves the migration
/// unrecorded, and the next start runs all of its steps from the first.
public struct MigrationStep: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// In a transaction, under the migration's short `lock_timeout`; rolled back and
        /// retried with backoff when the lock is not granted in time.
        case transaction
        /// Outside a transaction (`CREATE INDEX CONCURRENTLY`): one statement. Its lock
        /// (SHARE UPDATE EXCLUSIVE) never blocks reads or writes; an INVALID index a failed
        /// or interrupted build left behind is dropped before the step runs again.
        case concurrently
        /// A query that must answer no row; its first row's first column is the one line
        /// that tells the operator what to do, and the migration stops there.
        case check
    }

    public let kind: Kind
    public let sql: String

    public init(kind: Kind, sql: String) {
        self.kind = kind
        self.sql = sql
    }

    /// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS <name>` step builds.
    public var concurrentIndexName: String? {
        let code = sql.split(separator: "\n").filter { !Self.trimmed($0).hasPrefix("--") }.joined(separator: "\n")
        let words = code.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).map { String($0) }
        let upper = words.map { $0.uppercased() }
        guard let concurrently = upper.firstIndex(of: "CONCURRENTLY"), upper.first == "CREATE",
            upper[..<concurrently].contains("INDEX"),
            upper.count > concurrently + 4,
            Array(upper[(concurrently + 1)...(concurrently + 3)]) == ["IF", "NOT", "EXISTS"]
        else { return nil }
        let name = words[concurrently + 4]
        return name.hasPrefix("\"") && name.hasSuffix("\"") && name.count > 1 ? String(name.dropFirst().dropLast()) : name
    }

    /// Cuts a migration file into its steps (empty ones, comments only, are dropped).
    static func parse(_ sql: String) -> [MigrationStep] {
        var steps: [MigrationStep] = []
        var kind = Kind.transaction
        var lines: [Substring] = []
        func flush() {
            let text = lines.joined(separator: "\n")
            let meaningful = lines.contains { line in
                let trimmed = Self.trimmed(line)
                return !trimmed.isEmpty && !trimmed.hasPrefix("--")
            }
            if meaningful { steps.append(MigrationStep(kind: kind, sql: text)) }
            lines = []
        }
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = Self.trimmed(line)
            guard trimmed.hasPrefix("-- galley:step") else {
                lines.append(line)
                continue
            }
            flush()
            switch Self.trimmed(trimmed.dropFirst("-- galley:step".count)) {
            case "concurrently": kind = .concurrently
            case "check": kind = .check
            default: kind = .transaction
            }
        }
        flush()
        return steps
    }

    private static func trimmed(_ text: Substring) -> Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !blank($0) }), let last = text.lastIndex(where: { !blank($0) }) else { return "" }
        return text[first...last]
    }
}
