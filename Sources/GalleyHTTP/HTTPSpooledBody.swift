/// A request body the server wrote to a temporary file instead of memory (routes for
/// which ``HTTPResponder/spoolDirectory(method:path:)`` names a directory).
///
/// The responder keeps it by renaming `path` into place (same directory tree, so same
/// file system); whatever is left at `path` when the request ends is deleted.
public struct HTTPSpooledBody: Sendable, Equatable {
    /// The complete body, closed; in the spool directory the responder named.
    public let path: String
    /// Its length in bytes.
    public let size: Int

    public init(path: String, size: Int) {
        self.path = path
        self.size = size
    }
}
