public import Foundation
public import GalleyCore

/// The business config in force and where it came from.
public struct AdminConfigStatus: AdminJSONRepresentable {
    /// `file` or `built-in`.
    public var source: String
    public var path: String?
    /// When the config in force was read (start, or the last change seen).
    public var loadedAt: Date?
    /// Why the file's current content is not in force (nil when it is).
    public var lastError: String?
    /// The document in force (the business config holds prices, no secrets).
    public var document: JSONValue

    public init(source: String, path: String?, loadedAt: Date?, lastError: String?, document: JSONValue) {
        self.source = source
        self.path = path
        self.loadedAt = loadedAt
        self.lastError = lastError
        self.document = document
    }

    public var json: JSONValue {
        ["source": .string(source), "path": JSONValue(path),
         "loaded_at": JSONValue(loadedAt) { .string(Timestamp.iso8601($0)) }, "last_error": JSONValue(lastError),
         "document": document]
    }
}
