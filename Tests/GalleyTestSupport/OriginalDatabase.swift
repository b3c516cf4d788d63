import Foundation
import GalleyCore
import GalleyPostgres

/// A fresh database loaded with the golden dump the original left behind (its alembic
/// head `5b3e1a1b3c0a`, seeded rows), through `psql` as an operator would restore it.
package final class OriginalDatabase: Sendable {
    package let name = TestEnvironment.uniqueName("galley_orig").lowercased()
    package let configuration: PostgresConfiguration

    package init() throws {
        let admin = try PostgresConnection(configuration: .testStack(database: "postgres"))
        defer { admin.close() }
        try admin.simpleQuery("CREATE DATABASE \(name)")
        configuration = .testStack(database: name)
        let dump = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/golden/original.sql")
        try Self.psql(["-d", name, "-v", "ON_ERROR_STOP=1", "-q", "-f", dump.path])
    }

    package func drop() {
        guard let admin = try? PostgresConnection(configuration: .testStack(database: "postgres")) else { return }
        defer { admin.close() }
        _ = try? admin.simpleQuery("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    package struct PsqlFailed: Error, CustomStringConvertible {
        package var status: Int32
        package var description: String { "psql exited with \(status)" }
    }

    package static func psql(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-h", TestEnvironment.postgresHost, "-p", String(TestEnvironment.postgresPort),
                             "-U", TestEnvironment.postgresUser] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = TestEnvironment.postgresPassword
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PsqlFailed(status: process.terminationStatus) }
    }
}
