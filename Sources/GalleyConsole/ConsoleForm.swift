import Foundation

/// An `application/x-www-form-urlencoded` body (or query) with repeated names kept:
/// "replay selected" posts one `id` per ticked box.
struct ConsoleForm: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ bytes: [UInt8]) {
        self.init(String(decoding: bytes, as: UTF8.self))
    }

    init(_ text: String) {
        for item in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            pairs.append((name, value))
        }
    }

    /// The first value of `name`, trimmed; nil when absent or empty.
    subscript(name: String) -> String? {
        guard let value = pairs.first(where: { $0.0 == name })?.1.trimmingCharacters(in: .whitespacesAndNewlines),
              !value.isEmpty else { return nil }
        return value
    }

    /// Every non-empty value of `name`, in order.
    func all(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1).filter { !$0.isEmpty }
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Percent-encodes a query value for a link.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
