import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis

/// The one way a Galley process starts, in order: the command line (so `--help` and
/// `--version` touch nothing), the settings, logging, the pools, the standard metrics,
/// migrations when asked, the executable's services, then the service group until
/// SIGTERM, and an exit status of one kind per failure (``ExitCode``).
///
/// Every failure before the services run is one line on stderr, `<Executable>: <message>`.
public enum ProcessBootstrap {
    /// What an executable runs: its command line, the secrets it needs outside local,
    /// and a builder naming its services (tests call the builder with a runtime of their own).
    public struct Definition: Sendable {
        public let interface: CommandLineInterface
        public let requiring: Set<Settings.Secret>
        public let services: @Sendable (ProcessRuntime) async throws -> [any Service]
        /// A command whose stdout is its answer (galleyctl): log lines go to stderr, warnings and worse only.
        public let logsToStandardError: Bool

        public init(interface: CommandLineInterface, requiring: Set<Settings.Secret> = [], logsToStandardError: Bool = false,
                    services: @escaping @Sendable (ProcessRuntime) async throws -> [any Service]) {
            self.interface = interface
            self.requiring = requiring
            self.logsToStandardError = logsToStandardError
            self.services = services
        }
    }

    /// Runs the process to its end; never returns.
    public static func main(_ definition: Definition) async -> Never {
        Signals.ignoreSIGPIPE()
        // nil: Settings.load reads the process environment its own way (one place for it).
        let code = await run(definition, arguments: Array(CommandLine.arguments.dropFirst()), environment: nil)
        exit(code.rawValue)
    }

    /// ``main(_:)`` without the exit, for tests.
    public static func run(_ definition: Definition, arguments: [String], environment: [String: String]?) async -> ExitCode {
        let interface = definition.interface
        let name = interface.executable.rawValue
        let invocation: Invocation
        do {
            switch try interface.parse(arguments) {
            case .help:
                print(interface.help)
                return .success
            case .version:
                print(BuildInfo.versionLine(name))
                return .success
            case .settings(let markdown):
                print(markdown ? SettingsTable.markdown() : SettingsTable.text(for: interface.executable), terminator: markdown ? "" : "\n")
                return .success
            case .run(let parsed):
                invocation = parsed
            }
        } catch {
            writeError(name, "\(error.description)\n\(interface.usage)")
            return .usage
        }

        let settings: Settings
        do {
            settings = try Settings.load(from: environment, requiring: definition.requiring)
        } catch {
            writeError(name, error.description)
            return .configuration
        }
        Logger.minimumLevel = settings.logLevel
        if definition.logsToStandardError {
            Logger.outputDescriptor = STDERR_FILENO
            Logger.minimumLevel = max(settings.logLevel, .warning)
        }
        let logger = Logger(label: name)

        // The reward worker and galleyctl are one-shot beside the serving fleet: two sessions each.
        let small = interface.executable == .rewardWorker || interface.executable == .galleyctl
        let postgres = PostgresPool(configuration: settings.postgresConfiguration(applicationName: interface.executable.applicationName),
                                    size: settings.postgresPoolSize(for: interface.executable), logger: Logger(label: "postgres"))
        let redis = RedisPool(configuration: settings.redisConfiguration, size: small ? 2 : settings.redis.poolSize,
                              logger: Logger(label: "redis"))
        // Services drain within SHUTDOWN_DEADLINE_SECONDS themselves (requests, stream entries);
        // the group's hard stop comes a little later so their own hand-over still runs.
        let group = ServiceGroup(shutdownDeadline: settings.shutdownDeadline + .seconds(5), logger: logger)
        let runtime = ProcessRuntime(executable: interface.executable, invocation: invocation, settings: settings,
                                     logger: logger, postgres: postgres, redis: redis, group: group)
        StandardMetrics.register(postgres: postgres, redis: redis, lease: { runtime.snowflakeLease })
        defer {
            runtime.snowflakeLease?.release()
            redis.shutdown()
            postgres.close()
        }

        let services: [any Service]
        do {
            let command = interface.command(named: invocation.command)
            if invocation.command == "migrate" || (settings.migrateOnStart && command?.migratesOnStart == true) {
                try runtime.migrate()
            }
            services = try await definition.services(runtime)
        } catch {
            let failure = ProcessFailure.classify(error, during: "start")
            logger.debug("start failed", ["error": failure.debugDescription])
            writeError(name, failure.description)
            return failure.exitCode
        }
        logger.info("started", ["command": invocation.command, "version": BuildInfo.version, "commit": BuildInfo.commit,
                                "services": services.map(\.name).joined(separator: ", ")])
        let code = await group.run(services)
        if let failure = group.failure { writeError(name, failure.description) }
        logger.info("stopped", ["status": code.description])
        return code
    }

    /// `<Executable>: <message>` on stderr: the one error format of every executable.
    public static func writeError(_ executable: String, _ message: String) {
        FileHandle.standardError.write(Data("\(executable): \(message)\n".utf8))
    }
}
