import CCurl
import GalleyCore

/// One request on an easy handle, owned by the loop thread from start to finish. libcurl's
/// callbacks (on the loop thread, inside `curl_multi_perform`) gather the answer here and
/// stop the transfer once the body passes the caller's cap.
final class CurlTransfer {
    let job: HTTPClientJob
    let easy: UnsafeMutableRawPointer
    private(set) var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    private let limit: Int
    private let isHead: Bool
    private var status = 0
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var body: [UInt8] = []
    private(set) var tooLarge = false

    init(job: HTTPClientJob, easy: UnsafeMutableRawPointer) {
        self.job = job
        self.easy = easy
        limit = max(0, job.request.maxResponseBytes)
        isHead = job.request.method.uppercased() == "HEAD"
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Sets every option of the request; false when libcurl refuses one.
    func configure(connectTimeout: Duration) -> Bool {
        let request = job.request
        let method = request.method.uppercased()
        var ok = true
        func check(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        check(galley_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(galley_curl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        check(galley_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(galley_curl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        if request.followRedirects {
            check(galley_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1))
            check(galley_curl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5))
        }
        let timeoutMs = max(1, job.timeout.wholeMilliseconds)
        check(galley_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeoutMs))
        check(galley_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, min(timeoutMs, connectTimeout.wholeMilliseconds))))
        check(galley_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        check(galley_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))

        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        switch method {
        case "GET": check(galley_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD": check(galley_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        case "POST": check(galley_curl_easy_setopt_long(easy, CURLOPT_POST, 1))
        default: check(galley_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }
        if sendsBody {
            check(galley_curl_easy_setopt_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            if request.body.isEmpty {
                check(galley_curl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                request.body.withUnsafeBytes { bytes in
                    check(galley_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                }
            }
        }

        // No "Expect: 100-continue" round trip, and no form content type nobody asked for.
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        lines.append("Expect:")
        if sendsBody, !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            lines.append("Content-Type:")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else { return false }
            headerList = appended
        }
        check(galley_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))

        let me = Unmanaged.passUnretained(self).toOpaque()
        check(galley_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
        check(galley_curl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return transfer.receiveBody(bytes) ? size * count : 0
        })
        check(galley_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me))
        check(galley_curl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, userdata in
            guard let userdata else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return transfer.receiveHeader(bytes) ? size * count : 0
        })
        return ok
    }

    /// One header line; a status line starts a new response (after a redirect or a 100).
    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r" || last == "\n" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            headers = []
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = String(line[..<colon]).trimmingWhitespace()
        let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
        headers.append((name, value))
        if name.lowercased() == "content-length", let length = Int(value), !isHead, !(300..<400).contains(status) {
            if length > limit {
                tooLarge = true
                return false
            }
            body.reserveCapacity(length)
        }
        return true
    }

    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if body.count + bytes.count > limit {
            tooLarge = true
            body = []
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// The caller's result for libcurl's `code` once the transfer is done.
    func result(_ code: CURLcode) -> Result<HTTPClientResponse, any Error> {
        if tooLarge { return .failure(HTTPClientError(.tooLarge, "limit \(limit) bytes")) }
        guard code == CURLE_OK else {
            let detail = String(cString: curl_easy_strerror(code)) + ": " + String(cString: errorBuffer)
            switch code {
            case CURLE_OPERATION_TIMEDOUT: return .failure(HTTPClientError(.timeout, detail))
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: return .failure(HTTPClientError(.invalidRequest, detail))
            default: return .failure(HTTPClientError(.transport, detail))
            }
        }
        let final = Int(galley_curl_easy_response_code(easy))
        return .success(HTTPClientResponse(status: final == 0 ? status : final, headers: headers, body: body))
    }
}
