/// A `.env` file read the way the original read its own: pydantic-settings hands the
/// file to python-dotenv, so the same syntax is accepted here (blank lines, `#`
/// comments, an `export ` prefix, single quotes taken literally, double quotes with
/// backslash escapes and several lines, `${NAME}` / `${NAME:-default}` expansion
/// outside single quotes, ` # comment` after a value) and a line it cannot parse is
/// skipped, as python-dotenv does, with its number reported.
public struct DotEnvFile: Sendable {
    /// The settings the file sets, names as written. `KEY` without `=` sets nothing.
    public let values: [String: String]
    /// Numbers (1-based) of lines that could not be parsed and were skipped.
    public let skippedLines: [Int]

    /// Parses `text`; `environment` resolves `${NAME}` that the file does not set
    /// earlier (python-dotenv's `dotenv_values`: earlier file values win).
    public init(parsing text: String, environment: [String: String] = [:]) {
        var parser = DotEnvParser(Array(text.unicodeScalars))
        var values: [String: String] = [:]
        var skipped: [Int] = []
        while let binding = parser.nextBinding() {
            switch binding {
            case .error(let line):
                skipped.append(line)
            case .binding(let key, let value, let expands):
                guard let value else { continue }
                values[key] = expands ? DotEnvFile.expand(value, file: values, environment: environment) : value
            }
        }
        self.values = values
        self.skippedLines = skipped
    }

    /// `${NAME}` and `${NAME:-default}` replaced by the file's earlier value, else the
    /// environment's, else the default or nothing.
    static func expand(_ value: String, file: [String: String], environment: [String: String]) -> String {
        let scalars = Array(value.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "$", index + 1 < scalars.count, scalars[index + 1] == "{",
               let close = scalars[(index + 2)...].firstIndex(of: "}") {
                let inner = String(String.UnicodeScalarView(scalars[(index + 2)..<close]))
                let name: String
                let fallback: String
                if let range = inner.range(of: ":-") {
                    name = String(inner[..<range.lowerBound])
                    fallback = String(inner[range.upperBound...])
                } else {
                    name = inner
                    fallback = ""
                }
                if !name.contains(":") {
                    let found = file[name] ?? environment[name]
                    out.append(contentsOf: (found ?? fallback).unicodeScalars)
                    index = close + 1
                    continue
                }
            }
            out.append(scalars[index])
            index += 1
        }
        return String(out)
    }
}
