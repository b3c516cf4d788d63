import GalleyCore

/// A value that can be read from a result column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Parses the column's text; nil when it is not a value of this type.
    init?(postgresText text: String)
    /// What SQL NULL decodes to; nil (the default) makes NULL an error. Optionals answer `.none`.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}
