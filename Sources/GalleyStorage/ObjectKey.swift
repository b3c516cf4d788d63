import GalleyCore

/// The one definition of a valid object key, shared by every backend so a key that
/// works locally works on S3/OSS too and can never name a path outside the store.
public enum ObjectKey {
    /// Longest key accepted (S3 allows 1024 bytes; Galley's keys are far shorter).
    public static let maxLength = 512

    /// Keys are `[A-Za-z0-9._/-]`, 1–512 characters, no leading `/`, no `..`, no empty
    /// segment (`a//b`, trailing `/`) and no segment starting with `.` (which keeps the
    /// local backend's temporary files and any hidden file out of reach).
    public static func validate(_ key: String) throws(StorageError) {
        let bytes = Array(key.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { throw .invalidKey("length \(bytes.count)") }
        for byte in bytes where !isAllowed(byte) { throw .invalidKey("character \(byte)") }
        guard !key.contains("..") else { throw .invalidKey("contains ..") }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            guard let first = segment.utf8.first else { throw .invalidKey("empty segment or leading /") }
            guard first != UInt8(ascii: ".") else { throw .invalidKey("segment starts with .") }
        }
    }

    public static func isValid(_ key: String) -> Bool {
        do { try validate(key); return true } catch { return false }
    }

    /// `<prefix>/<userID>/<32 random hex>.<ext>`: where a user's direct uploads go.
    public static func upload(prefix: String, userID: String, ext: String) throws(StorageError) -> String {
        try join(prefix, userID, Crypto.hex(Crypto.randomBytes(16)) + "." + ext.lowercased())
    }

    /// `<prefix>/<userID>/<taskID>.mp4`: where a finished emoji video is kept.
    public static func result(prefix: String, userID: String, taskID: String) throws(StorageError) -> String {
        try join(prefix, userID, taskID + ".mp4")
    }

    /// Joins parts with exactly one `/` (an empty prefix adds nothing) and validates.
    public static func join(_ parts: String...) throws(StorageError) -> String {
        let key = parts.map { $0.trimmingSlashes() }.filter { !$0.isEmpty }.joined(separator: "/")
        try validate(key)
        return key
    }

    /// The media type to serve a stored object with, from its extension.
    public static func contentType(of key: String) -> String {
        let name = key.split(separator: "/").last ?? ""
        let ext = name.contains(".") ? (name.split(separator: ".").last.map { $0.lowercased() } ?? "") : ""
        switch ext {
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        case "webp": return "image/webp"
        case "gif": return "image/gif"
        case "mp4": return "video/mp4"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
