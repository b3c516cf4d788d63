
/// A suspended libmicrohttpd connection, carried to the handler thread that
/// resumes it (`MHD_resume_connection` is documented as safe from any thread).
struct MHDConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
