import GalleyCore

extension Settings.Storage.Backend {
    /// The four settings the original needed for OSS; all set selects OSS.
    static let ossSettings = ["OSS_ENDPOINT", "OSS_BUCKET", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"]

    /// `STORAGE_BACKEND` (`local`, `s3`, `oss`) when set; else OSS when the original's four
    /// `OSS_*` settings are all set (an operator's PicKitchen `.env` works unchanged);
    /// else local files, for a local stack.
    static func selected(by env: EnvironmentReader) throws(ConfigurationError) -> Self {
        if env.string("STORAGE_BACKEND") != nil {
            let name = try env.oneOf("STORAGE_BACKEND", ["local", "s3", "oss"], default: "local")
            return Self(rawValue: name) ?? .local
        }
        return ossSettings.allSatisfy { env.string($0) != nil } ? .oss : .local
    }

    /// Some of the four `OSS_*` set but not all, and no `STORAGE_BACKEND`: a typo or a lost
    /// line in `.env` that would silently store uploads in local files. Refused outside
    /// `local`; in `local` a warning naming what is missing.
    static func partialOSSWarnings(_ env: EnvironmentReader, isLocal: Bool) throws(ConfigurationError) -> [String] {
        guard env.string("STORAGE_BACKEND") == nil else { return [] }
        let missing = ossSettings.filter { env.string($0) == nil }
        guard !missing.isEmpty, missing.count < ossSettings.count, let first = missing.first else { return [] }
        let set = ossSettings.filter { env.string($0) != nil }
        guard isLocal else {
            throw .invalid(first, expected: "a value: \(set.joined(separator: ", ")) \(set.count == 1 ? "is" : "are") set and the four OSS_* "
                + "go together (STORAGE_BACKEND=local keeps local files on purpose)")
        }
        return ["OSS storage is partly configured (\(set.joined(separator: ", ")) set, \(missing.joined(separator: ", ")) missing): "
            + "uploads and results go to local files under STORAGE_LOCAL_DIR, not OSS; set all four or STORAGE_BACKEND=local"]
    }
}
