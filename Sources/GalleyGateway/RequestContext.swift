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
    /// The session of libmicrohttpd's thread when the request is answered there (a lane
    /// route), nil on a handler thread.
    let laneConnection: PostgresConnection?
    /// libmicrohttpd's thread number when answered there, else -1.
    let lane: Int

    init(request: HTTPRequest, requestID: String, services: GatewayServices, parameters: [String: String], now: Date = Date(),
         lane: Int = -1, laneConnection: PostgresConnection? = nil) {
        self.lane = lane
        self.laneConnection = laneConnection
        self.request = request
        self.requestID = requestID
        self.services = services
        self.parameters = parameters
        self.now = now
    }

    /// A logger that carries the request id (made on first use: most requests log nothing).
    lazy var logger: Logger = services.logger.with("request_id", requestID)

    /// The caller behind `Authorization: Bearer <jwt>`, with the original's answers:
    /// 403000 without usable credentials, 401000 "Could not validate credentials" for a
    /// bad token, 401000 "User not found" for a good token whose user is gone.
    func user() throws -> UserRecord {
        if let authenticated { return authenticated }
        let userID = try authenticatedUserID()
        guard let user = try withReadConnection({ try UserRecord.load(id: userID, on: $0) }) else {
            throw APIError.authenticatedUserGone
        }
        authenticated = user
        return user
    }

    /// The token's user id, without a database read. The header is split at its first
    /// space as `HTTPBearer` did (so a second space belongs to the token and fails it).
    func authenticatedUserID() throws(APIError) -> Int64 {
        guard let header = request.headers["Authorization"], !header.isEmpty else { throw .notAuthenticated }
        let scheme: Substring
        let credentials: Substring
        if let space = header.firstIndex(of: " ") {
            scheme = header[..<space]
            credentials = header[header.index(after: space)...]
        } else {
            scheme = Substring(header)
            credentials = ""
        }
        guard !scheme.isEmpty, !credentials.isEmpty else { throw .notAuthenticated }
        guard scheme.lowercased() == "bearer" else { throw .invalidAuthenticationScheme }
        let subject: String
        do {
            let signer = services.signer
            let now = self.now
            if lane >= 0 {
                subject = try services.laneTokens.subject(of: String(credentials), lane: lane, now: now) { token throws(JWTError) in
                    try signer.verify(token, now: now)
                }
            } else {
                subject = try signer.verify(String(credentials), now: now)
            }
        } catch {
            logger.debug("token refused", ["reason": "\(error)"])
            throw .invalidCredentials
        }
        guard let userID = PythonInt.parse(subject) else { throw .invalidCredentials }
        return userID
    }

    /// True when answered on libmicrohttpd's thread: a handler that needs more than one
    /// short read throws ``LaneFallback`` and the request goes to a handler thread.
    var onLane: Bool { laneConnection != nil }

    /// Runs a read on the lane's session, or on one from the pool on a handler thread.
    func withReadConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        if let laneConnection { return try body(laneConnection) }
        return try services.postgres.withConnection(body)
    }

    /// A path parameter the route template declares.
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}
