import Glibc

/// The temporary file one request's body is written to as it arrives (libmicrohttpd's
/// thread for the connection only). Removed when the request ends, unless the
/// responder renamed it away first; a body over the limit or a connection that breaks
/// leaves nothing behind.
final class HTTPBodySpool {
    let path: String
    private var descriptor: Int32
    private(set) var size = 0

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// A fresh `.spool-XXXXXX` file in `directory` (created if missing, mode 0700); nil
    /// when the file system refuses.
    static func create(in directory: String) -> HTTPBodySpool? {
        func attempt() -> HTTPBodySpool? {
            var template = Array((directory + "/.spool-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemp(base)
            }
            guard descriptor >= 0 else { return nil }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return HTTPBodySpool(path: path, descriptor: descriptor)
        }
        if let spool = attempt() { return spool }
        guard errno == ENOENT, makeDirectories(directory) else { return nil }
        return attempt()
    }

    /// `mkdir -p`: each missing component of `path`, mode 0700.
    private static func makeDirectories(_ path: String) -> Bool {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { return false }
        }
        return true
    }

    /// Appends one chunk; false when the write fails (disk full): the file is then dropped.
    func write(_ data: UnsafePointer<CChar>, count: Int) -> Bool {
        guard descriptor >= 0 else { return false }
        var offset = 0
        while offset < count {
            let written = Glibc.write(descriptor, data + offset, count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                discard()
                return false
            }
            offset += written
        }
        size += count
        return true
    }

    /// The whole body is in: closes the file and describes it for the responder.
    func finish() -> HTTPSpooledBody? {
        guard descriptor >= 0 else { return nil }
        close(descriptor)
        descriptor = -1
        return HTTPSpooledBody(path: path, size: size)
    }

    /// Closes and deletes the file (a no-op for the path once the responder renamed it).
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(path)
    }

    deinit { discard() }
}
