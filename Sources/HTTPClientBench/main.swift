import Foundation

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

guard let fetch = makeFetch(engine: engine, url: url, connections: connections, timeout: timeout) else {
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
