import Glibc
import Synchronization

/// A response body read straight from an open file by libmicrohttpd (no copy in memory):
/// owns the descriptor until the server takes it, and closes it if nobody does.
public final class HTTPFileBody: Sendable {
    public let size: Int
    private let descriptor: Int32
    private let taken = Atomic<Bool>(false)

    /// Takes ownership of `descriptor`, an open regular file of `size` bytes.
    public init(descriptor: Int32, size: Int) {
        self.descriptor = descriptor
        self.size = size
    }

    /// Opens `path` read-only; nil when it is missing or not a regular file.
    public static func open(path: String) -> HTTPFileBody? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        return HTTPFileBody(descriptor: fd, size: Int(info.st_size))
    }

    /// The descriptor, once: the caller (the server) now owns it.
    func take() -> Int32? {
        taken.exchange(true, ordering: .acquiringAndReleasing) ? nil : descriptor
    }

    deinit {
        if !taken.load(ordering: .acquiring) { close(descriptor) }
    }
}
