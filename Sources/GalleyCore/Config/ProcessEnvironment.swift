import Foundation

/// The settings a process starts with: its environment over the `.env` file(s), as
/// the original's pydantic-settings did, so an operator's PicKitchen `.env` works
/// unchanged. `ENV_FILE` names the file; without it `../.env` (the original's place)
/// and then `.env` in the working directory are read, the nearer one winning. The
/// environment wins over any file; an empty value counts as unset.
public enum ProcessEnvironment {
    /// The merged settings of this process, read once (settings are read at start).
    public static func values() throws(ConfigurationError) -> [String: String] {
        try loaded.get()
    }

    private static let loaded = Result<[String: String], ConfigurationError> { () throws(ConfigurationError) in
        let merged = try merge(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath)
        let logger = Logger(label: "config")
        for (path, line) in merged.skipped {
            logger.warning("ignored line \(line) of \(path): not a valid KEY=value line")
        }
        if !merged.files.isEmpty { logger.info("read settings file", ["path": merged.files.joined(separator: ", ")]) }
        return merged.values
    }

    /// The merge, for tests: returns the values, the files read and the skipped lines.
    public static func merge(
        environment: [String: String], workingDirectory: String
    ) throws(ConfigurationError) -> (values: [String: String], files: [String], skipped: [(String, Int)]) {
        var candidates: [(path: String, required: Bool)]
        if let named = environment["ENV_FILE"]?.trimmingWhitespace(), !named.isEmpty {
            candidates = [(absolute(named, in: workingDirectory), true)]
        } else {
            candidates = [(absolute("../.env", in: workingDirectory), false), (absolute(".env", in: workingDirectory), false)]
            if candidates[0].path == candidates[1].path { candidates.removeFirst() }  // working directory is /
        }
        var values: [String: String] = [:]
        var files: [String] = []
        var skipped: [(String, Int)] = []
        for candidate in candidates {
            guard FileManager.default.fileExists(atPath: candidate.path) else {
                if candidate.required { throw .invalid("ENV_FILE", expected: "the path of a readable file") }
                continue
            }
            guard FileManager.default.isReadableFile(atPath: candidate.path) else {
                throw .invalid(candidate.required ? "ENV_FILE" : candidate.path, expected: "a readable .env file")
            }
            let data = FileManager.default.contents(atPath: candidate.path) ?? Data()  // nil for /dev/null
            let file = DotEnvFile(parsing: String(decoding: data, as: UTF8.self), environment: environment)
            // pydantic-settings matched names case-insensitively; Galley's names are upper case.
            for (key, value) in file.values where !value.trimmingWhitespace().isEmpty { values[key.uppercased()] = value }
            skipped += file.skippedLines.map { (candidate.path, $0) }
            files.append(candidate.path)
        }
        for (key, value) in environment where !value.trimmingWhitespace().isEmpty { values[key] = value }
        return (values, files, skipped)
    }

    private static func absolute(_ path: String, in directory: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: directory).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }
}

extension EnvironmentReader {
    /// This process's settings: its environment over its `.env` file (``ProcessEnvironment``).
    public static func process() throws(ConfigurationError) -> EnvironmentReader {
        EnvironmentReader(try ProcessEnvironment.values())
    }

    /// `values` when given (tests), else this process's settings.
    public init(valuesOrProcess values: [String: String]?) throws(ConfigurationError) {
        if let values { self.init(values) } else { self.init(try ProcessEnvironment.values()) }
    }
}
