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
}
