import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyRuntime
import GalleyEmoji
import GalleyWebhooks


/// What an error from a lower layer means for the client. Dependencies that are down
/// are 503000 (retry later), never 500; nil means "a bug": 500000 with no details.
extension APIError {
    static func mapping(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as PostgresError:
            if error.isConnectionError || error == .poolTimeout || error == .poolClosed {
                return .serviceUnavailable("postgres")
            }
            // Text PostgreSQL cannot store (a NUL character): the client's input, not a bug.
            if error == .invalidBind {
                return .validation([ValidationIssue(type: "string_type", loc: ["body"], msg: "Input should not contain NUL characters")])
            }
            return nil
        case let error as RedisError:
            if error.isConnectionError || error == .checkoutTimeout || error == .poolShutDown {
                return .serviceUnavailable("redis")
            }
            return nil
        case let error as DashScopeError:
            return mapping(error)
        case let error as StorageError:
            if error == .notConfigured { return .storageNotConfigured }
            if error == .transport || (error.status ?? 0) >= 500 { return .serviceUnavailable("storage") }
            return nil
        default:
            return nil
        }
    }

    /// DashScope: not configured → 500101; the provider refusing the image (HTTP 4xx with
    /// its message) → 400101 with that message; anything else → 502102/502202/502302.
    static func mapping(_ error: DashScopeError) -> APIError {
        if error.isNotConfigured { return .dashScopeNotConfigured }
        if let status = error.status, (400..<500).contains(status), status != 401, status != 403, status != 429,
           error.stage == .detect {
            return .detectFailed(error.providerMessage)
        }
        return .providerInvalidAnswer(code: error.contractCode)
    }
}
