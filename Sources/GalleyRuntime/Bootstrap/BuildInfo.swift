/// What `--version` prints and `galley_build_info{version,commit}` exports.
public enum BuildInfo {
    /// The release, bumped by hand when a release is cut.
    public static let version = "0.11.0"
    /// The git commit, written at build time by the GalleyBuildInfo plugin
    /// (`unknown` when built without git and without `GALLEY_COMMIT`).
    public static let commit = buildCommit

    /// `APIGateway 0.11.0 (commit 1a2b3c…)`.
    public static func versionLine(_ executable: String) -> String {
        "\(executable) \(version) (commit \(commit))"
    }
}
