import Glibc
import GalleyCore

/// The listening socket, opened by us and handed to libmicrohttpd
/// (`MHD_OPTION_LISTEN_SOCKET`), so that a failed bind says exactly why
/// (address in use, permission) instead of a bare NULL daemon.
struct HTTPListenSocket {
    let descriptor: Int32
    let isIPv6: Bool

    /// Resolves `host`, binds `port` and listens. "::" accepts IPv4 as well.
    static func open(host: String, port: Int, backlog: Int) throws -> HTTPListenSocket {
        guard (0...65535).contains(port) else {
            throw HTTPServerError.invalidAddress.with(detail: "port \(port) out of range")
        }
        var address = try resolve(host: host.isEmpty ? "0.0.0.0" : host, port: port)
        let family = Int32(address.storage.ss_family)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        if fd < 0 {
            throw HTTPServerError.listenFailed.with(detail: "socket: \(errorText(errno))")
        }
        var one: Int32 = 1
        var zero: Int32 = 0
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if family == AF_INET6 {
            // Dual stack: "::" should serve IPv4 clients too, whatever the sysctl default.
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        if bound != 0 {
            let code = errno
            close(fd)
            let detail = "bind \(host):\(port): \(errorText(code))"
            switch code {
            case EADDRINUSE: throw HTTPServerError.addressInUse.with(detail: detail)
            case EACCES, EPERM: throw HTTPServerError.permissionDenied.with(detail: detail)
            case EADDRNOTAVAIL: throw HTTPServerError.invalidAddress.with(detail: detail)
            default: throw HTTPServerError.listenFailed.with(detail: detail)
            }
        }
        if listen(fd, Int32(clamping: max(1, backlog))) != 0 {
            let code = errno
            close(fd)
            throw HTTPServerError.listenFailed.with(detail: "listen \(host):\(port): \(errorText(code))")
        }
        return HTTPListenSocket(descriptor: fd, isIPv6: family == AF_INET6)
    }

    /// The first IPv4 result, else the first IPv6 one (so "localhost" means 127.0.0.1).
    private static func resolve(host: String, port: Int) throws -> (storage: sockaddr_storage, length: socklen_t) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPServerError.invalidAddress.with(detail: "resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var chosen: UnsafeMutablePointer<addrinfo>?
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET { chosen = entry; break }
            if entry.pointee.ai_family == AF_INET6 && chosen == nil { chosen = entry }
            cursor = entry.pointee.ai_next
        }
        guard let entry = chosen, let source = entry.pointee.ai_addr else {
            throw HTTPServerError.invalidAddress.with(detail: "resolve \(host): no IPv4 or IPv6 address")
        }
        var storage = sockaddr_storage()
        let length = min(Int(entry.pointee.ai_addrlen), MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: source, count: length))
        }
        return (storage, socklen_t(length))
    }

    private static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
