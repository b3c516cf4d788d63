import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GalleyCore
import GalleyHTTPClient

// bench/httpclient.sh's client: N GET requests, C of them in flight at once, through
// libcurl (HTTPClient) or URLSession configured as the EmojiWorker configured it (a
// round robin of sessions). Prints one line of key=value figures. Not a test.
//   HTTPClientBench curl|urlsession URL REQUESTS CONCURRENCY CONNECTIONS TIMEOUT_SECONDS
let arguments = CommandLine.arguments
guard arguments.count == 7, let requests = Int(arguments[3]), let concurrency = Int(arguments[4]),
      let connections = Int(arguments[5]), let timeout = Double(arguments[6]) else {
    FileHandle.standardError.write(Data("usage: HTTPClientBench curl|urlsession URL REQUESTS CONCURRENCY CONNECTIONS TIMEOUT_SECONDS\n".utf8))
    exit(64)
}
let engine = arguments[1]
let url = arguments[2]

func kilobytes(_ field: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

typealias Fetch = @Sendable (Int) async -> Bool
let fetch: Fetch
switch engine {
case "curl":
    let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: connections, maxConnectionsPerHost: connections))
    fetch = { index in
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
    fetch = { index in
        guard let target = URL(string: url + String(index)) else { return false }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.setValue("Bearer sk-bench", forHTTPHeaderField: "Authorization")
        guard let (_, response) = try? await sessions[index % count].data(for: request) else { return false }
        return (response as? HTTPURLResponse)?.statusCode == 200
    }
default:
    FileHandle.standardError.write(Data("engine must be curl or urlsession\n".utf8))
    exit(64)
}

let rssBefore = kilobytes("VmRSS")
let cpuBefore = cpuSeconds()
let started = ContinuousClock.now
let failures = await withTaskGroup(of: Bool.self) { group -> Int in
    var failures = 0
    var next = 0
    while next < min(concurrency, requests) {
        let index = next
        group.addTask { await fetch(index) }
        next += 1
    }
    for await ok in group {
        if !ok { failures += 1 }
        if next < requests {
            let index = next
            group.addTask { await fetch(index) }
            next += 1
        }
    }
    return failures
}
let elapsed = ContinuousClock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let cpu = cpuSeconds() - cpuBefore
let peak = kilobytes("VmHWM")
print("engine=\(engine) " + String(format: "requests=%d concurrency=%d connections=%d seconds=%.2f rps=%.0f failures=%d cpu_s=%.2f rss_before_mb=%.1f rss_peak_mb=%.1f kb_per_in_flight=%.1f",
             requests, concurrency, connections, seconds, Double(requests) / seconds, failures, cpu,
             Double(rssBefore) / 1024, Double(peak) / 1024, Double(peak - rssBefore) / Double(max(1, min(concurrency, requests)))))
exit(0)
