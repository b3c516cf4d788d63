import Foundation

/// Runs one of the project's scripts (`scripts/<name>`) for a test: posix_spawn and waitpid,
/// output into files (Foundation's Process did not notice these scripts' exit inside the
/// test runner, and a Redis daemon they start could hold a pipe).
package enum ProjectScript {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// `scripts/<name> <arguments>` with `environment` added; answers its stdout, throws with its stderr.
    @discardableResult
    package static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName(name))
        let outPath = base.path + ".out", errPath = base.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let scriptPath = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/\(name)").path
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)' " }.joined()
        let command = assignments + ([scriptPath] + arguments).map { "'\($0)'" }.joined(separator: " ")
            + " </dev/null >'\(outPath)' 2>'\(errPath)'"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [String](["/bin/sh", "-c", command]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "could not run scripts/\(name) (\(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = String(decoding: FileManager.default.contents(atPath: outPath) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        guard status == 0 else {
            throw Failure(description: "scripts/\(name) \(arguments.joined(separator: " ")) failed: \(stderr)")
        }
        return text
    }
}
