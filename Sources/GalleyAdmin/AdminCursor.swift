import Foundation

/// Keyset cursors: the last item's sort key, written as text. Two forms: an id
/// (`123`) for lists ordered by id, and `<microseconds>.<id>` for lists ordered by time then id.
enum AdminCursor {
    static func id(_ cursor: String?) throws(AdminError) -> Int64? {
        guard let cursor else { return nil }
        guard let id = Int64(cursor) else { throw AdminError.invalid("the page cursor is not valid") }
        return id
    }

    static func timeAndID(_ cursor: String?) throws(AdminError) -> (Date, Int64)? {
        guard let cursor else { return nil }
        let parts = cursor.split(separator: ".")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = Int64(parts[1]) else {
            throw AdminError.invalid("the page cursor is not valid")
        }
        return (Date(timeIntervalSince1970: Double(micros) / 1_000_000), id)
    }

    static func timeAndID(_ date: Date, _ id: Int64) -> String {
        "\(Int64((date.timeIntervalSince1970 * 1_000_000).rounded())).\(id)"
    }

    /// Trims the one extra row fetched to learn whether a next page exists.
    static func page<Item: Sendable>(_ items: [Item], limit: Int, key: (Item) -> String) -> AdminPage<Item> {
        guard items.count > limit else { return AdminPage(items: items, nextCursor: nil) }
        let shown = Array(items.prefix(limit))
        return AdminPage(items: shown, nextCursor: shown.last.map(key))
    }
}
