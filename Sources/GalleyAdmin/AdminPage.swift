public import GalleyCore

/// Which page to read: at most `limit` items after `cursor` (keyset pagination: the cursor
/// is the last item's sort key, never an OFFSET, so page 10 000 costs what page 1 does).
public struct AdminPageRequest: Sendable, Hashable {
    public static let limitRange: ClosedRange<Int> = 1...500
    public var limit: Int
    /// Opaque: the `nextCursor` of the previous page; nil for the first page.
    public var cursor: String?

    /// `limit` is clamped to ``limitRange``.
    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = min(max(limit, AdminPageRequest.limitRange.lowerBound), AdminPageRequest.limitRange.upperBound)
        self.cursor = cursor?.isEmpty == true ? nil : cursor
    }
}

/// One page of a list, newest first, and the cursor of the next page (nil on the last).
public struct AdminPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension AdminPage where Item: AdminJSONRepresentable {
    /// `{"items": [...], "next_cursor": ...}`
    public var json: JSONValue {
        ["items": .array(items.map(\.json)), "next_cursor": JSONValue(nextCursor)]
    }
}

/// What the CLI's `--json` prints and the console may serve: every result type has one.
public protocol AdminJSONRepresentable: Sendable {
    var json: JSONValue { get }
}
