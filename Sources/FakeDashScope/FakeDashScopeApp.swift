import Foundation
import GalleyCore
import GalleyHTTP
import GalleyRuntime
import GalleyTesting

/// The fake DashScope (GalleyTesting) behind the HTTP server until SIGTERM, with the
/// fleet's exit statuses, error line and `--help` / `--version`. Not part of the fleet's
/// settings table: its `FAKE_DASHSCOPE_*` settings are a test stand-in's.
enum FakeDashScopeApp {
    static let usage = """
        usage: FakeDashScope
               FakeDashScope --help | --version
        """

    static let help = usage + """


        Serves a fake DashScope for demos, tests and benchmarks. Settings (environment):
          FAKE_DASHSCOPE_PORT            listening port [default: 8090]
          FAKE_DASHSCOPE_HOST            bind address
          FAKE_DASHSCOPE_LATENCY_SECONDS how long a generation takes [default: 0]
          FAKE_DASHSCOPE_FAILURE_RATE    share of tasks that fail, 0…1 [default: 0]
          FAKE_DASHSCOPE_THROTTLE_RATE   share of submits answered 429, 0…1 [default: 0]
          FAKE_DASHSCOPE_UNKNOWN_RATE    share of tasks that get lost, 0…1 [default: 0]
          FAKE_DASHSCOPE_PUBLIC_URL      base of the video URLs it hands out

        \(ExitCode.legend)
        """

    static func run(arguments: [String]) async -> ExitCode {
        switch arguments {
        case []: break
        case ["--help"], ["-h"], ["help"]:
            print(help)
            return .success
        case ["--version"], ["-V"], ["version"]:
            print(BuildInfo.versionLine("FakeDashScope"))
            return .success
        default:
            ProcessBootstrap.writeError("FakeDashScope", "unknown argument\n\(usage)")
            return .usage
        }
        let configuration: FakeDashScopeConfiguration
        do {
            configuration = try FakeDashScopeConfiguration.load()
        } catch {
            ProcessBootstrap.writeError("FakeDashScope", error.description)
            return .configuration
        }
        let logger = Logger(label: "fake-dashscope")
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port, threads: 2, handlerThreads: 2,
                                                   // One worker is its only client and opens up to 512
                                                   // connections; DashScope has no 256-per-address cap.
                                                   connectionLimit: 8192, perIPConnectionLimit: 0, connectionTimeoutSeconds: 120),
            responder: FakeDashScope(configuration: configuration), logger: logger)
        let group = ServiceGroup(shutdownDeadline: .seconds(5), logger: logger)
        let code = await group.run([HTTPServerService("fake DashScope (FAKE_DASHSCOPE_PORT)", server: server,
                                                      drainDeadline: .seconds(2)) { server in
            logger.info("fake DashScope listening", [
                "port": String(server.port), "latency_seconds": String(configuration.latencySeconds),
                "failure_rate": String(configuration.failureRate), "throttle_rate": String(configuration.throttleRate),
                "unknown_rate": String(configuration.unknownRate),
            ])
        }])
        if let failure = group.failure { ProcessBootstrap.writeError("FakeDashScope", failure.description) }
        return code
    }
}
