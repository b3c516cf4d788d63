import GalleyCore

/// A value that can travel as a bind parameter, in PostgreSQL's text input format.
///
/// Text format keeps one code path for every type and lets the server do the parsing
/// (`$1::timestamptz`, `$1::bigint[]`); values never enter the SQL text.
public protocol PostgresEncodable: Sendable {
    /// The text PostgreSQL parses for this value; nil sends SQL NULL.
    var postgresText: String? { get }
}
