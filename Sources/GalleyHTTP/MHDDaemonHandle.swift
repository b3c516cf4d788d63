import GalleyCore

/// A running libmicrohttpd daemon. Sendable because libmicrohttpd's daemon calls
/// used here (quiesce, info, stop) are safe from any thread; stop happens once.
struct MHDDaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
