import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyRuntime
import GalleyRewards

// Wiring only: parse, load settings, make the pools and the id source, run, exit status.
Signals.ignoreSIGPIPE()

let command: RewardCommandLine
do {
    command = try RewardCommandLine.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    Console.fail("\(error) (see RewardWorker --help)")
    exit(2)
}
if command == .help {
    print(RewardCommandLine.usage)
    exit(0)
}

let logger = Logger(label: "reward")
let settings: Settings
let config: BusinessConfigStore
do {
    settings = try Settings.load(requiring: [])
    config = try BusinessConfigStore(path: settings.configPath)
} catch {
    Console.fail("\(error)")
    exit(1)
}
Logger.minimumLevel = settings.logLevel

let stop = StopFlag()
let postgres = PostgresPool(configuration: settings.rewardPostgres, size: 2, logger: Logger(label: "postgres"))
let redis = RedisPool(configuration: settings.rewardRedis, size: 2)
if settings.migrateOnStart {
    do {
        try MigrationRunner.migrate(pool: postgres, logger: Logger(label: "migrations"))
    } catch {
        Console.fail("cannot bring the database schema up to date: \(error)", details: error)
        exit(1)
    }
}
let source: (ids: SnowflakeGenerator, lease: SnowflakeNodeLease?)
do {
    source = try SnowflakeSource.make(settings: settings, redis: redis, logger: logger) { _ in stop.set() }
} catch {
    Console.fail("cannot get a Snowflake node id: \(error)", details: error)
    exit(1)
}

let status: Int32
switch command {
case .run(let week, let dryRun, let batchSize):
    var options = RewardRunOptions(week: week)
    options.dryRun = dryRun
    options.batchSize = batchSize
    let run = RewardRun(pool: postgres, ids: source.ids, amounts: RewardAmounts(config: config.current),
                        options: options, logger: logger)
    status = RunCommand(run: run, stop: stop).execute()
case .schedule:
    status = ScheduleCommand(postgres: postgres, redis: redis, ids: source.ids, config: config,
                             metricsPort: settings.rewardMetricsPort, stop: stop).execute()
case .help:
    status = 0
}
source.lease?.release()
postgres.close()
redis.shutdown()
exit(status)
