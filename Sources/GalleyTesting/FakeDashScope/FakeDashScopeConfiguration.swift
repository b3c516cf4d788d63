import Foundation
public import GalleyCore
import GalleyHTTP

/// How the fake DashScope behaves: generation time and the share of answers that fail,
/// throttle or get lost. Read from `FAKE_DASHSCOPE_*`; changeable while running
/// through `POST /_fake/config`.
public struct FakeDashScopeConfiguration: Sendable, Hashable {
    public var port: Int = 8090
    public var host: String = "127.0.0.1"
    /// Seconds from submission to a terminal status (PENDING for the first quarter, then RUNNING).
    public var latencySeconds: Double = 0
    /// Share of generations that end FAILED.
    public var failureRate: Double = 0
    /// Share of submits and queries answered 429 `Throttling.RateQuota`.
    public var throttleRate: Double = 0
    /// Share of generations that end UNKNOWN (DashScope lost them).
    public var unknownRate: Double = 0
    /// Base of the `video_url`s handed out; nil means "the Host the request came to".
    public var publicBaseURL: String? = nil

    public init() {}

    /// `FAKE_DASHSCOPE_PORT` (8090), `FAKE_DASHSCOPE_HOST`, `FAKE_DASHSCOPE_LATENCY_SECONDS`,
    /// `FAKE_DASHSCOPE_FAILURE_RATE`, `FAKE_DASHSCOPE_THROTTLE_RATE`, `FAKE_DASHSCOPE_UNKNOWN_RATE`,
    /// `FAKE_DASHSCOPE_PUBLIC_URL`.
    public static func load(environment: [String: String]? = nil) throws(ConfigurationError) -> FakeDashScopeConfiguration {
        let env = EnvironmentReader(environment ?? ProcessInfo.processInfo.environment)
        var config = FakeDashScopeConfiguration()
        config.port = try env.int("FAKE_DASHSCOPE_PORT", default: 8090, in: 0...65535)
        config.host = env.string("FAKE_DASHSCOPE_HOST", default: config.host)
        config.latencySeconds = try env.double("FAKE_DASHSCOPE_LATENCY_SECONDS", default: 0, in: 0...86_400)
        config.failureRate = try env.double("FAKE_DASHSCOPE_FAILURE_RATE", default: 0, in: 0...1)
        config.throttleRate = try env.double("FAKE_DASHSCOPE_THROTTLE_RATE", default: 0, in: 0...1)
        config.unknownRate = try env.double("FAKE_DASHSCOPE_UNKNOWN_RATE", default: 0, in: 0...1)
        config.publicBaseURL = env.string("FAKE_DASHSCOPE_PUBLIC_URL")
        return config
    }
}
