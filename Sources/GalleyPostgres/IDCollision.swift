import GalleyCore

/// Retries a write whose Snowflake id was already taken. Ids are unique among Galley's
/// processes (each leases its node id), but during a rolling switch the original's
/// processes still mint with `SNOWFLAKE_NODE_ID` (0 in its `.env`) and lease nothing,
/// so an insert can meet an equal primary key. That is a collision of ids, not of
/// data: the transaction rolled back and runs again with fresh ids, never a 500.
public enum IDCollision {
    /// `body` must mint its ids inside (so each attempt has fresh ones) and run its own
    /// transaction (so a failed attempt left nothing). Other errors pass through.
    public static func retrying<T>(attempts: Int = 5, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let error as PostgresError where error.isPrimaryKeyViolation && attempt < attempts {
                attempt += 1
                Logger(label: "postgres").warning("id already taken (another process minted it); retrying with a fresh one",
                                                  ["constraint": error.constraint ?? ""])
            }
        }
    }
}

extension PostgresError {
    /// A unique violation on a primary key (PostgreSQL names them `<table>_pkey`).
    public var isPrimaryKeyViolation: Bool { isUniqueViolation && (constraint?.hasSuffix("_pkey") ?? false) }
}
