import Foundation
import GalleyCore

/// Compares one answer with a golden one as `scripts/golden/compare.py` does by default:
/// the status, the recorded headers (`content-type` by media type, `location` by path,
/// `allow`/`vary`/CORS lists as sets, the rest exactly) and the JSON (values and JSON
/// types; volatile paths for presence and type only) or the text. Answers the problems.
package enum GoldenComparison {
    package static func problems(expected: GoldenFixtures.Answer, got: GatewayHTTPResponse, method: String) -> [String] {
        var problems: [String] = []
        if got.status != expected.status { problems.append("status: expected \(expected.status), got \(got.status)") }
        for (name, value) in expected.headers.sorted(by: { $0.key < $1.key }) {
            guard let actual = got.header(name) else {
                problems.append("header \(name): missing (expected \(value))")
                continue
            }
            if normalized(name, actual) != normalized(name, value) {
                problems.append("header \(name): expected \(value), got \(actual)")
            }
        }
        if let json = expected.json {
            guard let actual = try? JSONParser.parse(got.body) else {
                problems.append("body: JSON expected, got \(got.text.prefix(200))")
                return problems
            }
            diff(json, actual, path: "", volatile: expected.volatile, into: &problems)
        } else if method != "HEAD", got.text != expected.text {
            problems.append("body: expected \(expected.text.prefix(120).debugDescription), got \(got.text.prefix(120).debugDescription)")
        }
        return problems
    }

    package static func normalized(_ name: String, _ value: String) -> String {
        let trimmed = value.trimmingWhitespace()
        switch name.lowercased() {
        case "content-type":
            return (trimmed.split(separator: ";").first.map(String.init) ?? "").trimmingWhitespace().lowercased()
        case "location":
            // The host is the server's own; only the path and query must agree.
            guard let url = URLComponents(string: trimmed) else { return trimmed }
            return url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        case "allow", "vary", "access-control-allow-methods", "access-control-allow-headers":
            return trimmed.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }.sorted().joined(separator: ", ")
        default:
            return trimmed
        }
    }

    package static func jsonType(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    package static func diff(_ expected: JSONValue, _ got: JSONValue, path: String, volatile: Set<String>, into problems: inout [String]) {
        let shown = path.isEmpty ? "<root>" : path
        if volatile.contains(path) {
            if jsonType(expected) != jsonType(got) {
                problems.append("\(shown): volatile, \(jsonType(expected)) expected, got \(JSONWriter.string(got))")
            }
            return
        }
        guard jsonType(expected) == jsonType(got) else {
            problems.append("\(shown): expected \(JSONWriter.string(expected)), got \(JSONWriter.string(got))")
            return
        }
        switch (expected, got) {
        case (.object(let a), .object(let b)):
            for entry in a.entries {
                let child = path.isEmpty ? entry.key : path + "." + entry.key
                if let value = b[entry.key] {
                    diff(entry.value, value, path: child, volatile: volatile, into: &problems)
                } else {
                    problems.append("\(child): missing (expected \(JSONWriter.string(entry.value)))")
                }
            }
            for key in b.keys where a[key] == nil {
                problems.append("\(path.isEmpty ? key : path + "." + key): unexpected (got \(JSONWriter.string(b[key] ?? .null)))")
            }
        case (.array(let a), .array(let b)):
            if a.count != b.count { problems.append("\(shown): \(a.count) items expected, got \(b.count)") }
            for (index, pair) in zip(a, b).enumerated() {
                diff(pair.0, pair.1, path: "\(path)[\(index)]", volatile: volatile, into: &problems)
            }
        default:
            if expected != got { problems.append("\(shown): expected \(JSONWriter.string(expected)), got \(JSONWriter.string(got))") }
        }
    }
}
