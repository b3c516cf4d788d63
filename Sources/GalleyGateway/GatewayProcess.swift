import GalleyCore
import GalleyHTTP
import GalleyStorage
import GalleyPayments
public import GalleyRuntime

/// The gateway process: its command line and the services it runs, on the shared
/// ``ProcessBootstrap`` (settings, pools, standard metrics, migrations, the lease).
public enum GatewayProcess {
    public static let definition = ProcessBootstrap.Definition(
        interface: CommandLineInterface(.apiGateway, commands: [
            .init("serve", "serve the HTTP API on HOST:PORT (/api/v1/health, /ready, /metrics included)"),
            .init("migrate", "bring the database schema up to date and exit", migratesOnStart: false),
        ], defaultCommand: "serve"),
        // The gateway signs tokens and upload URLs and authenticates RevenueCat: both secrets.
        requiring: [.signingKey, .webhookSecret],
        services: services)

    /// The HTTP server and the outbox relay; stopping drains requests first, then the relay.
    public static func services(_ runtime: ProcessRuntime) async throws -> [any Service] {
        guard runtime.invocation.command == "serve" else { return [] }
        let settings = runtime.settings
        let config = try runtime.businessConfig()
        let ids = try runtime.snowflakeIDs()
        let storage: (any ObjectStorage)?
        do {
            storage = try runtime.objectStorage()
        } catch {
            runtime.logger.error("object storage unavailable; upload routes answer 500001", ["error": String(reflecting: error)])
            storage = nil
        }
        let services = GatewayServices(settings: settings, postgres: runtime.postgres, redis: runtime.redis, ids: ids,
                                       config: config, storage: storage, provider: Startup.provider(settings), logger: runtime.logger,
                                       weChatPay: try WeChatPayStartup.client(settings))
        let responder = GatewayResponder(services: services)
        let relay = OutboxRelay(postgres: runtime.postgres, redis: runtime.redis, publisher: services.outbox)
        var running: [any Service] = [OutboxRelayService(relay: relay, publisher: services.outbox)]
        let console = try ConsoleWiring(runtime: runtime, services: services)  // nil without ADMIN_PASSWORD
        // INTERNAL_PORT set: /metrics and /ready answer only there, not on the API port (issue 12).
        var apiResponder: any HTTPResponder = responder
        if let internalPort = settings.http.internalPort {
            var configuration = Startup.serverConfiguration(settings)
            configuration.host = settings.http.internalHost
            configuration.port = internalPort
            configuration.threads = 1
            configuration.handlerThreads = 2
            let internalResponder = FilteredResponder.internal(responder)
            let internalServer = HTTPServer(configuration: configuration,
                                            responder: console?.onInternal(internalResponder) ?? internalResponder)
            apiResponder = FilteredResponder.api(responder)
            let logger = runtime.logger
            running.append(HTTPServerService("internal endpoints (INTERNAL_PORT)", server: internalServer,
                                             drainDeadline: .seconds(1)) { server in
                logger.info("internal endpoints on their own address", [
                    "host": settings.http.internalHost, "port": String(server.port),
                ])
            })
        }
        if let console {
            apiResponder = console.onAPI(apiResponder)
            if let listener = console.ownListener(logger: runtime.logger) { running.append(listener) }
        }
        let server = HTTPServer(configuration: Startup.serverConfiguration(settings), responder: apiResponder)
        running.append(HTTPServerService("http server (PORT)", server: server, drainDeadline: settings.shutdownDeadline) { server in
            GatewayMetrics.register(server: server, createBatcher: services.createBatcher)
        })
        return running
    }
}
