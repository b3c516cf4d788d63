public import GalleyCore
public import GalleyPostgres

/// The registry: every `.sql` file of `Schema/Migrations`, in order. SwiftPM embeds
/// `0001_x.sql` as `PackageResources._001_x_sql` (a leading digit becomes `_`).
///
/// It lives here, not beside the files: Package.swift embeds that whole directory as
/// resources, so a Swift file there would be embedded as bytes instead of compiled.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "pickitchen_schema", bytes: PackageResources._001_pickitchen_schema_sql),
        Migration(version: 2, name: "galley_core", bytes: PackageResources._002_galley_core_sql),
        Migration(version: 3, name: "gateway", bytes: PackageResources._003_gateway_sql),
        Migration(version: 4, name: "webhook_worker", bytes: PackageResources._004_webhook_worker_sql),
        Migration(version: 5, name: "emoji_worker_lease", bytes: PackageResources._005_emoji_worker_lease_sql),
        Migration(version: 6, name: "reward_worker", bytes: PackageResources._006_reward_worker_sql),
    ]
}

/// Galley's own schema by default: the runner (GalleyPostgres) knows no particular schema.
extension MigrationRunner {
    @discardableResult
    public static func migrate(connection: PostgresConnection, logger: Logger) throws -> [Int] {
        try migrate(connection: connection, migrations: Migrations.all, logger: logger)
    }

    @discardableResult
    public static func migrate(pool: PostgresPool, logger: Logger) throws -> [Int] {
        try migrate(pool: pool, migrations: Migrations.all, logger: logger)
    }

    @discardableResult
    public static func migrate(pool: PostgresPool, logger: Logger) async throws -> [Int] {
        try await migrate(pool: pool, migrations: Migrations.all, logger: logger)
    }
}
