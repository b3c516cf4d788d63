import Dispatch
import Foundation
import GalleyCore
import GalleyHTTP
import GalleyTesting

// Wiring only: the fake DashScope (Shared/FakeDashScope) behind the HTTP server, until SIGTERM.
Signals.ignoreSIGPIPE()
let logger = Logger(label: "fake-dashscope")
let configuration: FakeDashScopeConfiguration
do {
    configuration = try FakeDashScopeConfiguration.load()
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port, threads: 2, handlerThreads: 2,
                                           connectionLimit: 8192, connectionTimeoutSeconds: 120),
    responder: FakeDashScope(configuration: configuration), logger: logger)
do {
    try server.start()
} catch {
    FileHandle.standardError.write(Data("cannot listen on FAKE_DASHSCOPE_PORT \(configuration.port): \(error)\n".utf8))
    exit(1)
}
logger.info("fake DashScope listening", [
    "port": String(server.port), "latency_seconds": String(configuration.latencySeconds),
    "failure_rate": String(configuration.failureRate), "throttle_rate": String(configuration.throttleRate),
    "unknown_rate": String(configuration.unknownRate),
])
let stopped = DispatchSemaphore(value: 0)
let watcher = Signals.onTermination { _ in stopped.signal() }
stopped.wait()
server.shutdown(deadline: .seconds(2))
withExtendedLifetime(watcher) {}
exit(0)
