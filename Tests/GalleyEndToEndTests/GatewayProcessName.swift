import GalleyTestSupport

/// In this target `GatewayProcess` is the test harness for a running APIGateway, not
/// the gateway module's `GatewayProcess.run()` entry point (both are imported here).
typealias GatewayProcess = GalleyTestSupport.GatewayProcess
