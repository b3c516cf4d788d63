import GalleyCore

/// One result row, copied out of libpq: column names and each value's text (nil for NULL).
public struct PostgresRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    public init(columns: [String], values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the first column named `column`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresError.missingColumn.with(details: "no column \"\(column)\" in \(columns)")
        }
        return try decode(type, at: index)
    }

    /// The value at `index` (0-based, in SELECT order).
    public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresError.missingColumn.with(details: "no column at index \(index) of \(values.count)")
        }
        let name = index < columns.count ? columns[index] : "#\(index)"
        guard let text = values[index] else {
            if let null = T.postgresNull { return null }
            throw PostgresError.unexpectedNull.with(details: "column \"\(name)\" is NULL, decoded as \(T.self)")
        }
        guard let value = T(postgresText: text) else {
            throw PostgresError.badFormat.with(details: "column \"\(name)\" is not a \(T.self)")
        }
        return value
    }
}
