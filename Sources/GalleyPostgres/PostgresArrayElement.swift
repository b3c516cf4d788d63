
/// A type that may be an element of a one-dimensional array bind or column
/// (`bigint[]`, `text[]`, ...). NULL elements are not supported.
public protocol PostgresArrayElement: PostgresEncodable, PostgresDecodable {}
