import Foundation
import GalleyRuntime

/// Where the integration tests find the real Redis and PostgreSQL that
/// `scripts/stack start` runs (the same variables the fleet reads).
package enum TestEnvironment {
    package static let env = ProcessInfo.processInfo.environment

    package static var postgresHost: String { env["POSTGRES_SERVER"] ?? "127.0.0.1" }
    package static var postgresPort: Int { env["POSTGRES_PORT"].flatMap(Int.init) ?? 55432 }
    package static var postgresUser: String { env["POSTGRES_USER"] ?? "galley" }
    package static var postgresPassword: String { env["POSTGRES_PASSWORD"] ?? "" }
    package static var postgresDatabase: String { env["POSTGRES_DB"] ?? "galley" }

    /// With `REDIS_SENTINELS` set (`eval "$(scripts/sentinel env)"`), the master the
    /// Sentinels name now; a test that must follow a failover uses `.testStack()`.
    package static var redisHost: String { sentinelMaster?.host ?? env["REDIS_HOST"] ?? "127.0.0.1" }
    package static var redisPort: Int { sentinelMaster?.port ?? env["REDIS_PORT"].flatMap(Int.init) ?? 56379 }

    /// The repository root, for tests that read files of the project or start its executables.
    package static var repositoryRoot: URL {
        // This file is Tests/GalleyTestSupport/TestEnvironment.swift.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A name no other test run uses, for streams, keys and databases.
    package static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt64(Date().timeIntervalSince1970 * 1000))_\(UInt32.random(in: 0...UInt32.max))"
    }
}

extension TestEnvironment {
    /// `SettingsTable`'s defaults (a local stack's, without a `.env`), for components a
    /// test builds from settings and then adjusts.
    package static func tableDefaults() throws -> Settings {
        try Settings.load(from: ["POSTGRES_SERVER": postgresHost, "POSTGRES_USER": postgresUser], requiring: [])
    }
}
