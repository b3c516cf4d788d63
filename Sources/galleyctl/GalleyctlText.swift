import GalleyCore

/// The text form of an answer: `key: value` lines, nested objects indented, and a list
/// of flat objects one line per item (`key=value ...`), so it reads in a terminal and
/// greps well. `--json` is the form for scripts.
enum GalleyctlText {
    static func render(_ value: JSONValue) -> String {
        var lines: [String] = []
        emit(value, indent: "", into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func emit(_ value: JSONValue, indent: String, into lines: inout [String]) {
        switch value {
        case .object(let object):
            for entry in object.entries {
                if isScalar(entry.value) {
                    lines.append("\(indent)\(entry.key): \(scalar(entry.value))")
                } else {
                    lines.append("\(indent)\(entry.key):")
                    emit(entry.value, indent: indent + "  ", into: &lines)
                }
            }
        case .array(let items):
            if items.isEmpty { lines.append("\(indent)(none)") }
            for item in items {
                if case .object(let object) = item, object.entries.allSatisfy({ isScalar($0.value) }) {
                    lines.append(indent + object.entries.map { "\($0.key)=\(scalar($0.value))" }.joined(separator: " "))
                } else {
                    lines.append("\(indent)-")
                    emit(item, indent: indent + "  ", into: &lines)
                }
            }
        default:
            lines.append(indent + scalar(value))
        }
    }

    private static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .object: false
        case .array: isScalarList(value)
        default: true
        }
    }

    private static func isScalarList(_ value: JSONValue) -> Bool {
        guard case .array(let items) = value else { return false }
        return items.allSatisfy { if case .object = $0 { false } else if case .array = $0 { false } else { true } }
    }

    private static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text.contains(" ") ? "\"\(text)\"" : text
        case .object, .array: JSONWriter.string(value)
        default: JSONWriter.string(value)
        }
    }
}
