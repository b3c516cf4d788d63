import Foundation
import GalleyCore
import GalleyHTTP
import GalleyRuntime
import GalleyConsole
import GalleyAdmin

/// Where the console is mounted, from `ADMIN_*`: nowhere without a password; beside
/// the API on `PORT`; on the internal listener when `ADMIN_PORT` equals `INTERNAL_PORT`;
/// else on a listener of its own.
struct ConsoleWiring {
    let console: ConsoleResponder
    let settings: Settings

    /// Nil when `ADMIN_PASSWORD` is unset.
    init?(runtime: ProcessRuntime, services: GatewayServices) throws {
        let settings = runtime.settings
        guard let password = settings.console.password else { return nil }
        let admin = try AdminOperations(runtime: runtime)
        let configuration = ConsoleConfiguration(username: settings.console.username, password: password,
                                                 secretKey: Array(settings.auth.secretKey.utf8))
        let throttle = ConsoleLoginLimits(limiter: services.rateLimiter, limit: settings.console.loginFailuresPerMinute)
        self.console = ConsoleResponder(configuration: configuration, admin: admin, throttle: throttle,
                                        clientAddress: { services.clientAddress(of: $0) }, logger: runtime.logger,
                                        environment: ProcessInfo.processInfo.environment)
        self.settings = settings
    }

    /// The API port's responder, with the console when it lives there.
    func onAPI(_ base: any HTTPResponder) -> any HTTPResponder {
        settings.console.port == nil ? ConsoleMount(console: console, base: base) : base
    }

    /// The internal listener's responder, with the console when `ADMIN_PORT` is `INTERNAL_PORT`.
    func onInternal(_ base: any HTTPResponder) -> any HTTPResponder {
        settings.console.sharesInternalListener(settings.http) ? ConsoleMount(console: console, base: base) : base
    }

    /// A listener of the console's own, when `ADMIN_PORT` is set and is not `INTERNAL_PORT`.
    func ownListener(logger: Logger) -> (any Service)? {
        guard let port = settings.console.port, !settings.console.sharesInternalListener(settings.http) else { return nil }
        var configuration = Startup.serverConfiguration(settings)
        configuration.host = settings.console.host
        configuration.port = port
        configuration.threads = 1
        configuration.handlerThreads = 4
        let server = HTTPServer(configuration: configuration, responder: ConsoleMount(console: console, base: ConsoleOnly()))
        let host = settings.console.host
        return HTTPServerService("operator console (ADMIN_PORT)", server: server, drainDeadline: .seconds(1)) { server in
            logger.info("operator console on its own address", ["host": host, "port": String(server.port)])
        }
    }
}
