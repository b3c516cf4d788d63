public import GalleyCore
public import GalleyPostgres

/// The registry: every `.sql` file of `Schema/Migrations`, in order. SwiftPM embeds
/// `0001_x.sql` as `PackageResources._001_x_sql` (a leading digit becomes `_`).
///
/// 0001–0006 were rewritten to apply live (step by step, indexes CONCURRENTLY) with the
/// same resulting schema; `formerChecksums` are their first texts' SHA-256, which databases
/// migrated before still record. (The first texts are kept in Tests/Fixtures/migrations/former,
/// where a test checks both texts give the same schema.)
///
/// It lives here, not beside the files: Package.swift embeds that whole directory as
/// resources, so a Swift file there would be embedded as bytes instead of compiled.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "pickitchen_schema", bytes: PackageResources._001_pickitchen_schema_sql,
                  formerChecksums: ["a7f850b765b0ea574ab678839a587bf669361d55b61109d5ebd4a42e2c9f796c"]),
        Migration(version: 2, name: "galley_core", bytes: PackageResources._002_galley_core_sql,
                  formerChecksums: ["0cc223c98e1acf7d4bfec86c1b67d5949cad1972583d411e99caefa46d6085cb"]),
        Migration(version: 3, name: "gateway", bytes: PackageResources._003_gateway_sql,
                  formerChecksums: ["565c97beb56318ecc86e96fe45cf79042670244122b8cc7f4ea0eac4c3f221b9"]),
        Migration(version: 4, name: "webhook_worker", bytes: PackageResources._004_webhook_worker_sql,
                  formerChecksums: ["182203c5af7b907252f78c7e46cd62c24929b65cba6be568a7536123e57ed841"]),
        Migration(version: 5, name: "emoji_worker_lease", bytes: PackageResources._005_emoji_worker_lease_sql,
                  formerChecksums: ["841271925d086b2b02f789d7a1fa92922492822bef84a4e25da3f8cc91d594b0"]),
        Migration(version: 6, name: "reward_worker", bytes: PackageResources._006_reward_worker_sql,
                  formerChecksums: ["57f4f8f46d4b445ec85f700ed46faa5d7f8346550f19de7f56cd1ae76197a729"]),
        Migration(version: 17, name: "event_environment", bytes: PackageResources._017_event_environment_sql),
        Migration(version: 18, name: "reward_week_unique", bytes: PackageResources._018_reward_week_unique_sql),
        Migration(version: 19, name: "reconciler_pending", bytes: PackageResources._019_reconciler_pending_sql),
        Migration(version: 20, name: "admin_audit", bytes: PackageResources._020_admin_audit_sql),
        Migration(version: 21, name: "admin_search", bytes: PackageResources._021_admin_search_sql),
        Migration(version: 25, name: "wechatpay", bytes: PackageResources._025_wechatpay_sql),
        Migration(version: 26, name: "user_points_reward_speed", bytes: PackageResources._026_user_points_reward_speed_sql),
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
