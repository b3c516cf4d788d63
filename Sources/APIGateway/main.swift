import GalleyRuntime
import GalleyGateway

// The HTTP API (`serve`, the default) and `migrate`: see GatewayProcess for its services.
await ProcessBootstrap.main(GatewayProcess.definition)
