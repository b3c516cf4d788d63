import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// An answer other than success, in the contract's terms: the envelope `code`, the
/// HTTP status, a message the original used, and `data` (only 422 carries any).
///
/// Handlers throw it; ``GatewayResponder`` turns it into the envelope. Anything else a
/// handler throws becomes 500000 with no details, so no SQL or stack reaches a client.
struct APIError: Error, Sendable, CustomStringConvertible {
    let code: Int
    let status: Int
    let message: String
    var data: JSONValue = .null
    /// Extra response headers (`Retry-After`, `Allow`).
    var headers: [(String, String)] = []

    var description: String { "API error \(code): \(message)" }

    init(code: Int, status: Int, message: String, data: JSONValue = .null, headers: [(String, String)] = []) {
        self.code = code
        self.status = status
        self.message = message
        self.data = data
        self.headers = headers
    }

    // MARK: - 4xx

    /// No `Authorization` header, or no credentials after the scheme (FastAPI 0.115's `HTTPBearer`).
    static let notAuthenticated = APIError(code: 403000, status: 403, message: "Not authenticated")
    /// A scheme other than Bearer (`Basic ...`), as `HTTPBearer` answered it.
    static let invalidAuthenticationScheme = APIError(code: 403000, status: 403, message: "Invalid authentication credentials")
    /// A bearer token that is not a valid HS256 JWT for this key with a usable `sub`.
    static let invalidCredentials = APIError(code: 401000, status: 401, message: "Could not validate credentials")
    /// A valid token whose user no longer exists.
    static let authenticatedUserGone = APIError(code: 401000, status: 401, message: "User not found")
    static let webhookUnauthorized = APIError(code: 401001, status: 401, message: "Unauthorized")
    static let invalidWebhookPayload = APIError(code: 400001, status: 400, message: "Invalid webhook payload")
    static let missingEventIDOrType = APIError(code: 400002, status: 400, message: "Missing event id/type")
    static let noFilename = APIError(code: 400001, status: 400, message: "No filename")
    static let invalidFileType = APIError(code: 400002, status: 400, message: "Invalid file type")
    static let fileTooLarge = APIError(code: 400003, status: 400, message: "File too large")
    /// The original answered insufficient points with HTTP 400; apps depend on it.
    static let insufficientPoints = APIError(code: 402001, status: 400, message: "Insufficient points")
    static let userNotFound = APIError(code: 404001, status: 404, message: "User not found")
    static let taskNotFound = APIError(code: 404101, status: 404, message: "Task not found")
    static let orderNotFound = APIError(code: 404201, status: 404, message: "Order not found")
    static let notFound = APIError(code: 404000, status: 404, message: "Not Found")
    static let idempotencyKeyReused = APIError(
        code: 409001, status: 409, message: "Idempotency-Key was already used with a different request body")
    static let bodyTooLarge = APIError(code: 413000, status: 413, message: "Request body too large")
    static let internalError = APIError(code: 500000, status: 500, message: "Internal Server Error")
    static let storageNotConfigured = APIError(code: 500001, status: 500, message: "OSS not configured")
    static let dashScopeNotConfigured = APIError(code: 500101, status: 500, message: "DASHSCOPE_API_KEY not configured")

    static func methodNotAllowed(allowed: [String]) -> APIError {
        APIError(code: 405000, status: 405, message: "Method Not Allowed",
                 headers: [("Allow", allowed.joined(separator: ", "))])
    }

    /// A body FastAPI could not read as text (not UTF-8): its 400, in the envelope.
    static let unreadableBody = APIError(code: 400000, status: 400, message: "There was an error parsing the body")

    /// 400101: the face check did not pass (the provider's message when it gave one).
    static func detectFailed(_ message: String?) -> APIError {
        let text = (message?.isEmpty ?? true) ? "Image detect failed" : (message ?? "Image detect failed")
        return APIError(code: 400101, status: 400, message: text)
    }

    static func tooManyRequests(retryAfter seconds: Int) -> APIError {
        APIError(code: 429000, status: 429, message: "Too many requests", headers: [("Retry-After", String(max(1, seconds)))])
    }

    /// 503000 naming the dependency ("postgres", "redis") so operators see which one.
    static func serviceUnavailable(_ dependency: String, retryAfter seconds: Int = 5) -> APIError {
        APIError(code: 503000, status: 503, message: "Service unavailable: \(dependency)",
                 headers: [("Retry-After", String(seconds))])
    }

    /// 502102 / 502202 / 502302: DashScope gave an answer Galley cannot use.
    static func providerInvalidAnswer(code: Int) -> APIError {
        APIError(code: code, status: 502, message: "DashScope returned an invalid response")
    }

    /// 422000 with pydantic-style `data.errors`.
    static func validation(_ issues: [ValidationIssue]) -> APIError {
        APIError(code: 422000, status: 422, message: "Validation error",
                 data: ["errors": .array(issues.map(\.jsonValue))])
    }
}
