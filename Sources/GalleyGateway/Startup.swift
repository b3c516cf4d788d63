import GalleyCore
import GalleyHTTP
import GalleyRuntime
import GalleyEmoji

/// The gateway's own parts of its start (the rest is the shared ``ProcessBootstrap``):
/// the face-detection provider and the HTTP server's configuration.
enum Startup {
    static func provider(_ settings: Settings) -> any EmojiProvider {
        if settings.dashScope.mock { return MockEmojiProvider() }
        return DashScopeClient(configuration: DashScopeClient.Configuration(
            baseURL: settings.dashScope.baseURL, apiKey: settings.dashScope.apiKey))
    }

    static func serverConfiguration(_ settings: Settings) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(
            host: settings.http.host, port: settings.http.port, threads: settings.http.threads,
            handlerThreads: settings.http.handlerThreads, connectionLimit: settings.http.connectionLimit,
            perIPConnectionLimit: settings.http.perIPConnectionLimit,
            connectionTimeoutSeconds: Int(settings.http.timeout.components.seconds),
            defaultBodyLimit: GatewayResponder.jsonBodyLimit,
            headDeadlineSeconds: Int(settings.http.headDeadline.components.seconds),
            bodyDeadlineSeconds: Int(settings.http.bodyDeadline.components.seconds))
        // A trusted proxy carries many clients on one address: the per-address cap spares it
        // (its clients' own limits apply per forwarded address, RateLimiter).
        configuration.perIPLimitExemptPeers = settings.http.forwardedAllowIPs
        return configuration
    }
}
