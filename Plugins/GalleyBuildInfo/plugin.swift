import Foundation
import PackagePlugin

/// Writes the git commit the binaries are built from into GalleyRuntime, for `--version`
/// and `galley_build_info`. A prebuild command runs on every build, so a new commit is
/// picked up by a plain `swift build`; the file is rewritten only when the commit changed,
/// so nothing recompiles otherwise. Where there is no `.git` (the Docker build context),
/// `GALLEY_COMMIT` from the builder's environment is used (`docker build --build-arg`).
@main struct GalleyBuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            mkdir -p "$2"
            commit="${GALLEY_COMMIT:-$(git -C "$1" rev-parse HEAD 2>/dev/null || true)}"
            commit="$(printf '%s' "$commit" | tr -cd '0-9A-Za-z._-' | cut -c1-64)"
            file="$2/BuildCommit.swift"
            printf '/// Written by the GalleyBuildInfo plugin.\\nlet buildCommit = "%s"\\n' "${commit:-unknown}" > "$file.new"
            if cmp -s "$file.new" "$file"; then rm -f "$file.new"; else mv "$file.new" "$file"; fi
            """
        return [.prebuildCommand(
            displayName: "Galley build info",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", script, "galley-build-info", context.package.directoryURL.path, output.path],
            environment: ["GALLEY_COMMIT": ProcessInfo.processInfo.environment["GALLEY_COMMIT"] ?? "",
                          "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            outputFilesDirectory: output)]
    }
}
