
/// What a statement returned: its rows (already copied out of libpq) and, for
/// INSERT/UPDATE/DELETE, how many rows it touched.
public struct PostgresResult: Sendable, Sequence {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// libpq's `PQcmdTuples`: rows inserted, updated, deleted or selected; 0 for other commands.
    public let affectedRows: Int

    public init(columns: [String], rows: [PostgresRow], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public var isEmpty: Bool { rows.isEmpty }
    public var first: PostgresRow? { rows.first }

    public func makeIterator() -> IndexingIterator<[PostgresRow]> { rows.makeIterator() }
}
