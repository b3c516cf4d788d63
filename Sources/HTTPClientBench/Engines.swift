import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GalleyHTTPClient

typealias Fetch = @Sendable (Int) async -> Bool

/// One GET of `url` + index through the engine under test; nil for an unknown engine.
func makeFetch(engine: String, url: String, connections: Int, timeout: Double) -> Fetch? {
    switch engine {
    case "curl":
        let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: connections, maxConnectionsPerHost: connections))
        return { index in
            let request = HTTPClientRequest(url: url + String(index), headers: [("Authorization", "Bearer sk-bench")], maxResponseBytes: 1 << 20)
            guard let response = try? await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000))) else { return false }
            return response.status == 200
        }
    case "urlsession":
        // As EmojiWorker/main.swift set it up before this client: several sessions, round robin.
        let count = max(2, min(16, ProcessInfo.processInfo.activeProcessorCount * 2))
        let sessions = (0..<count).map { _ in
            let configuration = URLSessionConfiguration.default
            configuration.httpMaximumConnectionsPerHost = max(1, connections / count)
            configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
            configuration.urlCache = nil
            configuration.httpShouldSetCookies = false
            configuration.httpCookieAcceptPolicy = .never
            configuration.httpCookieStorage = nil
            return URLSession(configuration: configuration)
        }
        return { index in
            guard let target = URL(string: url + String(index)) else { return false }
            var request = URLRequest(url: target, timeoutInterval: timeout)
            request.setValue("Bearer sk-bench", forHTTPHeaderField: "Authorization")
            guard let (_, response) = try? await sessions[index % count].data(for: request) else { return false }
            return (response as? HTTPURLResponse)?.statusCode == 200
        }
    default:
        return nil
    }
}
