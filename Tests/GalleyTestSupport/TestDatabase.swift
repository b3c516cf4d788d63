import Foundation
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyLedger
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
@testable import GalleyGateway
@testable import GalleyTesting

/// A fresh, migrated database on the test PostgreSQL, dropped by ``drop()``, so a
/// suite can seed and count rows without seeing any other suite's data.
final class TestDatabase: Sendable {
    let name: String
    let configuration: PostgresConfiguration

    init(migrated: Bool = true) throws {
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

    func pool(size: Int = 8) -> PostgresPool {
        PostgresPool(configuration: configuration, size: size, logger: Logger(label: "test"))
    }

    func drop() {
        guard let admin = try? PostgresConnection(configuration: .testStack(database: "postgres")) else { return }
        defer { admin.close() }
        _ = try? admin.simpleQuery("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
