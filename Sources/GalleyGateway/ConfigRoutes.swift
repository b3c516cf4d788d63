import GalleyCore
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyWebhooks


/// `GET /config`: the business config's public sections, re-read when the file changes.
enum ConfigRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/config", config)
    }

    @Sendable static func config(_ context: RequestContext) throws -> HTTPResponse {
        Envelope.ok(context.services.config.current.publicSections)
    }
}
