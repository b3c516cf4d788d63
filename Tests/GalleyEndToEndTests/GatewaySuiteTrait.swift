import Testing
import GalleyTestSupport

/// Starts a gateway for the whole suite and stops it (and drops its database) after.
struct GatewaySuiteTrait: SuiteTrait, TestScoping {
    let options: GatewayProcess.Options
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let gateway = try await GatewayProcess.start(options)
        do {
            try await GatewayProcess.$current.withValue(gateway) { try await function() }
        } catch {
            await gateway.tearDown()
            throw error
        }
        await gateway.tearDown()
    }
}

extension Trait where Self == GatewaySuiteTrait {
    /// A gateway for this suite on Redis database `redisDatabase`, with extra environment.
    static func gateway(redisDatabase: Int, environment: [String: String] = [:]) -> Self {
        GatewaySuiteTrait(options: GatewayProcess.Options(redisDatabase: redisDatabase, environment: environment))
    }
}
