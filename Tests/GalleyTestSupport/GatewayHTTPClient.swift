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
import GalleyRewards
import GalleyGateway
import GalleyTesting

/// An answer as the gateway tests read it: status, headers, body, and the envelope.
package struct GatewayHTTPResponse: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: [UInt8]

    package init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    package var text: String { String(decoding: body, as: UTF8.self) }
    package var json: JSONValue? { try? JSONParser.parse(body) }
    /// The envelope's `code` (nil when the body is not an envelope).
    package var code: Int? { json?["code"]?.int64Value.map(Int.init) }
    package var message: String? { json?["message"]?.stringValue }
    package var data: JSONValue? { json?["data"] }
}

/// A deliberately small HTTP/1.1 client on blocking sockets: the tests need exact
/// control over what goes on the wire (broken JSON, wrong content types, oversize and
/// raw requests), and hundreds of truly concurrent requests (one thread each).
package enum GatewayHTTPClient {
    package struct ClientError: Error, CustomStringConvertible {
        package let description: String
        package init(description: String) { self.description = description }
    }

    package static func request(port: Int, method: String, path: String, headers: [(String, String)] = [],
                        body: [UInt8]? = nil, timeoutSeconds: Int = 60) throws -> GatewayHTTPResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" } else if ["POST", "PUT", "PATCH"].contains(method) {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        return try raw(port: port, bytes: Array(head.utf8) + (body ?? []), timeoutSeconds: timeoutSeconds)
    }

    /// Sends `bytes` as they are and reads one answer. A write the server cut short (it
    /// answered early, e.g. 413) is not an error: the answer is read anyway.
    package static func raw(port: Int, bytes: [UInt8], timeoutSeconds: Int = 60) throws -> GatewayHTTPResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ClientError(description: "connect to \(port) failed: errno \(errno)") }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { break }
            offset += sent
        }
        return try readResponse(fd)
    }

    private static func readResponse(_ fd: Int32) throws -> GatewayHTTPResponse {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        func fill() -> Bool {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        while headerEnd == nil {
            if let range = find(buffer, Array("\r\n\r\n".utf8)) { headerEnd = range; break }
            guard fill() else { throw ClientError(description: "connection closed before the answer's head (\(buffer.count) bytes)") }
        }
        let headEnd = headerEnd ?? 0
        let lines = String(decoding: buffer[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError(description: "bad status line") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(buffer[(headEnd + 4)...])
        let lengthHeader = headers.first { $0.0.lowercased() == "content-length" }?.1
        if let lengthHeader, let length = Int(lengthHeader) {
            while body.count < length {
                guard fill() else { break }
                body = Array(buffer[(headEnd + 4)...])
            }
            body = Array(body.prefix(length))
        } else if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            while find(body, Array("0\r\n\r\n".utf8)) == nil, fill() { body = Array(buffer[(headEnd + 4)...]) }
            body = dechunk(body)
        } else {
            while fill() {}
            body = Array(buffer[(headEnd + 4)...])
        }
        return GatewayHTTPResponse(status: status, headers: headers, body: body)
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }

    private static func dechunk(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            guard let lineEnd = find(Array(data[index...]), [13, 10]) else { break }
            let sizeText = String(decoding: data[index..<(index + lineEnd)], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = index + lineEnd + 2
            out.append(contentsOf: data[start..<min(data.count, start + size)])
            index = start + size + 2
        }
        return out
    }
}
