import Glibc

extension HTTPServer {
    /// Ignores SIGPIPE process-wide: a client that hangs up mid-response must cost
    /// one failed write, not the process. Executables and tests call this once.
    public static func ignoreSIGPIPE() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}
