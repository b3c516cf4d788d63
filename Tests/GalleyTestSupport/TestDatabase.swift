import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// A fresh, migrated database on the test PostgreSQL, dropped by ``drop()``, so a
/// suite can seed and count rows without seeing any other suite's data.
package final class TestDatabase: Sendable {
    package let name: String
    package let configuration: PostgresConfiguration

    package init(migrated: Bool = true) throws {
        name = TestEnvironment.uniqueName("galley_test").lowercased()
        let admin = try PostgresConnection(configuration: .testStack(database: "postgres"))
        defer { admin.close() }
        try admin.simpleQuery("CREATE DATABASE \(name)")
        configuration = .testStack(database: name)
        if migrated {
            let connection = try PostgresConnection(configuration: configuration)
            defer { connection.close() }
            _ = try MigrationRunner.migrate(connection: connection, logger: Logger(label: "test"))
        }
    }

    package func pool(size: Int = 8) -> PostgresPool {
        PostgresPool(configuration: configuration, size: size, logger: Logger(label: "test"))
    }

    package func drop() {
        guard let admin = try? PostgresConnection(configuration: .testStack(database: "postgres")) else { return }
        defer { admin.close() }
        _ = try? admin.simpleQuery("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
