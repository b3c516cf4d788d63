import GalleyCore
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// `GET /api/v1/openapi.json` (``OpenAPIDocument``) and `GET /api/v1/docs`, a page that
/// renders it with a little inline script and no external resources.
enum DocsRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/openapi.json", inline: true, openAPI)
        router.add("GET", "/api/v1/docs", inline: true, docs)
    }

    private static let openAPIBody = JSONWriter.bytes(OpenAPIDocument.document)
    private static let docsBody = Array(DocsPage.html.utf8)

    @Sendable static func openAPI(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: openAPIBody)
    }

    @Sendable static func docs(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"),
        ], body: docsBody)
    }
}
