import GalleyCore
package import GalleyHTTP

/// Identity before bodies (issue 12): a large or chunked body is read only for a caller
/// whose headers already authenticate, so 100 slow 10 MB uploads without a token cost
/// 100 header reads, not 1 GB of buffers. Small bodies keep the original's order of
/// checks (FastAPI parsed the body before it looked at the token).
extension GatewayResponder {
    /// Routes that take a body from anyone: bounded by their body limit and the deadlines.
    static let publicBodyRoutes: Set<String> = ["/api/v1/auth/login"]

    package func admit(head: HTTPRequest) -> HTTPResponse? {
        let path = Router.normalize(head.path)
        guard let refusal = refusal(head, path: path) else { return nil }
        var response = Envelope.response(for: refusal)
        finish(&response, request: head, requestID: requestIDs.id(for: head))
        return response
    }

    /// The error the route would answer for these headers, or nil to read the body.
    private func refusal(_ head: HTTPRequest, path: String) -> APIError? {
        if GatewayResponder.publicBodyRoutes.contains(path) { return nil }
        let context = RequestContext(request: head, requestID: "", services: services, parameters: [:])
        if head.method == "POST" && path == "/api/v1/subscription/webhook" {
            do {
                try WebhookIntake.authorize(head.headers["Authorization"], secret: services.settings.revenueCatWebhookSecret)
                return nil
            } catch {
                return error
            }
        }
        if head.method == "PUT" && path.hasPrefix("/api/v1/storage/") {
            guard let storage = services.localStorage,
                  case .matched(_, let parameters) = router.route(method: head.method, path: head.path) else { return nil }
            let key = parameters["key"] ?? ""
            guard let expires = head.query["expires"], let signature = head.query["signature"],
                  let contentType = head.headers["Content-Type"],
                  storage.verifyUpload(key: key, expires: expires, signature: signature, contentType: contentType,
                                       now: context.now)
            else { return StorageRoutes.forbidden }
            return nil
        }
        // Unknown routes and methods get their 404/405 the usual way (their body is capped).
        guard case .matched = router.route(method: head.method, path: head.path) else { return nil }
        do {
            _ = try context.authenticatedUserID()
            return nil
        } catch {
            return error
        }
    }
}
