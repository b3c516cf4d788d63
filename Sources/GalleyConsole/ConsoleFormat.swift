import Foundation
import GalleyCore

/// How values look on the pages: one format for times, ages, amounts and JSON.
enum ConsoleFormat {
    /// `2026-12-02 00:14:56Z`: UTC, to the second, sortable.
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let text = Timestamp.iso8601(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + "Z"
    }

    /// `3 s`, `4 min 2 s`, `2 h 5 min`, `3 d 4 h`.
    static func age(seconds: Double?) -> String {
        guard let seconds else { return "—" }
        let whole = Int(seconds.rounded(.down))
        if whole < 60 { return seconds < 10 ? String(format: "%.1f s", seconds) : "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        return "\(whole / 86_400) d \(whole % 86_400 / 3600) h"
    }

    static func age(since date: Date?, now: Date) -> String {
        guard let date else { return "—" }
        return age(seconds: max(0, now.timeIntervalSince(date))) + " ago"
    }

    static func number<T: BinaryInteger>(_ value: T?) -> String {
        guard let value else { return "—" }
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append("\u{202F}") }
            out.append(character)
        }
        return (value < 0 ? "−" : "") + out
    }

    /// Indented JSON for a `<pre>`; the page escapes it.
    static func json(_ value: JSONValue?, indent: String = "") -> String {
        guard let value else { return "—" }
        switch value {
        case .array(let items) where !items.isEmpty:
            let inner = indent + "  "
            return "[\n" + items.map { inner + json($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let object) where object.count > 0:
            let inner = indent + "  "
            return "{\n" + object.entries.map { inner + JSONWriter.string(.string($0.key)) + ": " + json($0.value, indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default:
            return JSONWriter.string(value)
        }
    }

    /// A status word colored by how it ended.
    static func status(_ status: String) -> HTML {
        let good: Set<String> = ["succeeded", "completed", "processed", "paid", "active", "replayed", "deleted", "up", "success"]
        let bad: Set<String> = ["failed", "parked", "error", "down", "refunded"]
        let cls = good.contains(status) ? "ok" : bad.contains(status) ? "bad" : "warn"
        return "<span class=\"\(cls)\">\(status)</span>"
    }

    /// A link with query parameters, each encoded.
    static func link(_ path: String, _ parameters: [(String, String?)]) -> String {
        let pairs = parameters.compactMap { name, value in value.map { "\(name)=\(ConsoleForm.encode($0))" } }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// A random key for a form, so the same submission twice applies once.
    static func requestKey() -> String {
        Base64URL.encode(Crypto.randomBytes(12))
    }
}
