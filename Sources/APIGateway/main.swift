import GalleyGateway

// The HTTP API: see GatewayProcess for what it runs.
GatewayProcess.run()
