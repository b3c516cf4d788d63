import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyLedger
import GalleyEmoji
import GalleyWebhooks

/// Everything a handler needs for one request: the request, its id, a logger that
/// carries the id, the route's path parameters and the caller (authenticated lazily,
/// once, the first time a handler asks).
final class RequestContext {
    let request: HTTPRequest
    let requestID: String
    let services: GatewayServices
    let parameters: [String: String]
    /// Fixed at the start of the request so every timestamp of one answer agrees.
    let now: Date
    private var authenticated: UserRecord?

    init(request: HTTPRequest, requestID: String, services: GatewayServices, parameters: [String: String], now: Date = Date()) {
        self.request = request
        self.requestID = requestID
        self.services = services
        self.parameters = parameters
        self.now = now
    }

    /// A logger that carries the request id (made on first use: most requests log nothing).
    lazy var logger: Logger = services.logger.with("request_id", requestID)

    /// The caller behind `Authorization: Bearer <jwt>`. Missing, malformed, expired or
    /// badly signed tokens and users that no longer exist are all 401000 (the contract
    /// answers a missing header with 401, not FastAPI's 403).
    func user() throws -> UserRecord {
        if let authenticated { return authenticated }
        let userID = try authenticatedUserID()
        guard let user = try services.postgres.withConnection({ try UserRecord.load(id: userID, on: $0) }) else {
            throw APIError.notAuthenticated
        }
        authenticated = user
        return user
    }

    /// The token's user id, without a database read.
    func authenticatedUserID() throws(APIError) -> Int64 {
        guard let header = request.headers["Authorization"] else { throw .notAuthenticated }
        let parts = header.trimmingWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw .notAuthenticated }
        let token = String(parts[1]).trimmingWhitespace()
        let subject: String
        do {
            subject = try services.signer.verify(token, now: now)
        } catch {
            logger.debug("token refused", ["reason": "\(error)"])
            throw .notAuthenticated
        }
        guard let userID = Int64(subject), userID > 0 else { throw .notAuthenticated }
        return userID
    }

    /// A path parameter the route template declares.
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}
