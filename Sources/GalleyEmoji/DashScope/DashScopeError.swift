import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// A DashScope call that did not give a usable answer, classified so callers know
/// whether retrying can help. `description` carries no provider text; the provider's
/// code and message are in ``providerCode`` / ``providerMessage`` for the task row.
public struct DashScopeError: Error, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Stage: String, Sendable { case detect, create, query }

    private enum Code: Sendable { case notConfigured, transport, http, invalidResponse }
    private let code: Code
    public let stage: Stage
    /// HTTP status of the answer, when there was one.
    public let status: Int?
    /// DashScope's error code (`Throttling.RateQuota`, `InvalidParameter`, ...).
    public let providerCode: String?
    public let providerMessage: String?
    private let detail: String

    public static func notConfigured(_ stage: Stage) -> DashScopeError {
        DashScopeError(code: .notConfigured, stage: stage, status: nil, providerCode: nil, providerMessage: nil, detail: "DASHSCOPE_API_KEY not set")
    }
    public static func transport(_ stage: Stage, _ detail: String) -> DashScopeError {
        DashScopeError(code: .transport, stage: stage, status: nil, providerCode: nil, providerMessage: nil, detail: detail)
    }
    public static func http(_ stage: Stage, status: Int, providerCode: String?, providerMessage: String?) -> DashScopeError {
        DashScopeError(code: .http, stage: stage, status: status, providerCode: providerCode, providerMessage: providerMessage, detail: "")
    }
    public static func invalidResponse(_ stage: Stage, _ detail: String) -> DashScopeError {
        DashScopeError(code: .invalidResponse, stage: stage, status: nil, providerCode: nil, providerMessage: nil, detail: detail)
    }

    public var isNotConfigured: Bool { code == .notConfigured }
    public var isInvalidResponse: Bool { code == .invalidResponse }

    /// Network failures, 5xx and rate throttling (429 `Throttling*`) may succeed later;
    /// bad input (400 `InvalidParameter`, `InvalidFile*`), auth (401/403), arrears and
    /// exhausted quotas will not.
    public var isRetryable: Bool {
        switch code {
        case .transport: return true
        case .notConfigured, .invalidResponse: return false
        case .http:
            let providerCode = self.providerCode ?? ""
            if providerCode.contains("AllocationQuota") || providerCode.contains("FreeTierOnly") || providerCode == "Arrearage" { return false }
            if status == 429 { return providerCode.isEmpty || providerCode.hasPrefix("Throttling") }
            return (status ?? 0) >= 500
        }
    }

    /// The contract's error code for the gateway: 500101, or 502102 / 502202 / 502302.
    public var contractCode: Int {
        if code == .notConfigured { return 500101 }
        switch stage {
        case .detect: return 502102
        case .create: return 502202
        case .query: return 502302
        }
    }

    public var description: String {
        switch code {
        case .notConfigured: "DashScope not configured"
        case .transport: "DashScope \(stage.rawValue) request failed"
        case .http: "DashScope \(stage.rawValue) answered HTTP \(status ?? 0)"
        case .invalidResponse: "DashScope \(stage.rawValue) gave an invalid answer"
        }
    }

    public var debugDescription: String {
        "\(description) code=\(providerCode ?? "-") message=\(providerMessage ?? "-") \(detail)"
    }
}
