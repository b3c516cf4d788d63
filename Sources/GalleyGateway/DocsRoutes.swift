import Foundation
import GalleyCore
import GalleyHTTP
import GalleyRuntime


/// The OpenAPI document (``OpenAPIDocument``) at `/api/v1/openapi.json` (and
/// `/openapi.json`), and the pages operators open where the original served them:
/// `/docs` (titled `<PROJECT_NAME> - Swagger UI`), `/redoc` (`- ReDoc`),
/// `/docs/oauth2-redirect`, plus Galley's `/api/v1/docs`. All render offline.
enum DocsRoutes {
    static func register(in router: inout Router) {
        router.add("GET", "/api/v1/openapi.json", inline: true, allowsHead: true, openAPI)
        router.add("GET", "/openapi.json", inline: true, allowsHead: true, openAPI)
        router.add("GET", "/api/v1/docs", inline: true, allowsHead: true, swaggerPage)
        router.add("GET", "/docs", inline: true, allowsHead: true, swaggerPage)
        router.add("GET", "/redoc", inline: true, allowsHead: true, redocPage)
        router.add("GET", "/docs/oauth2-redirect", inline: true, allowsHead: true, oauth2Redirect)
    }

    private static let openAPIBody = JSONWriter.bytes(OpenAPIDocument.document)

    @Sendable static func openAPI(_ context: RequestContext) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: openAPIBody)
    }

    @Sendable static func swaggerPage(_ context: RequestContext) throws -> HTTPResponse {
        page(DocsPage.html(title: context.services.settings.projectName + " - Swagger UI"))
    }

    @Sendable static func redocPage(_ context: RequestContext) throws -> HTTPResponse {
        page(DocsPage.html(title: context.services.settings.projectName + " - ReDoc"))
    }

    /// Swagger UI's OAuth2 landing page: the API has no OAuth2 flow, so it only closes itself.
    @Sendable static func oauth2Redirect(_ context: RequestContext) throws -> HTTPResponse {
        page("""
            <!doctype html>
            <html lang="en-US"><head><title>Swagger UI: OAuth2 Redirect</title></head>
            <body><script>window.close();</script></body></html>
            """)
    }

    private static func page(_ html: String) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"),
        ], body: Array(html.utf8))
    }
}
