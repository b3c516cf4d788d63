import CMicroHTTPD
import Glibc
import GalleyCore

// libmicrohttpd's callbacks. They are file-scope functions (C function pointers
// cannot capture) in a library file, never in main.swift, where a closure would
// inherit main-actor isolation and trap on libmicrohttpd's threads. State travels
// through `cls` (the HTTPServerCore) and `*con_cls` (the HTTPRequestContext).

/// MHD_OPTION_URI_LOG_CALLBACK: the first sight of a request; creates its context.
func galleyURILog(_ cls: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?,
                  _ connection: OpaquePointer?) -> UnsafeMutableRawPointer? {
    guard let cls else { return nil }
    return Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue().begin(uri: uri)
}

/// MHD_AccessHandlerCallback: called for the head, each body chunk, the end of the body,
/// and once more after a resume.
func galleyAccessHandler(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                         _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                         _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
                         _ uploadSize: UnsafeMutablePointer<Int>?,
                         _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let cls, let connection, let conCls else { return .NO }
    let core = Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue()
    if conCls.pointee == nil {
        // The URI-log callback always runs first; this only guards against a change in libmicrohttpd.
        conCls.pointee = core.begin(uri: nil)
    }
    guard let pointer = conCls.pointee else { return .NO }
    let context = Unmanaged<HTTPRequestContext>.fromOpaque(pointer).takeUnretainedValue()
    return core.handle(connection: connection, context: context, method: method, url: url,
                       uploadData: uploadData, uploadSize: uploadSize)
}

/// MHD_RequestCompletedCallback: the request is over; releases its context.
func galleyRequestCompleted(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                            _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                            _ reason: MHD_RequestTerminationCode) {
    guard let cls, let conCls, let pointer = conCls.pointee else { return }
    conCls.pointee = nil
    let context = Unmanaged<HTTPRequestContext>.fromOpaque(pointer).takeRetainedValue()
    Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue().complete(context)
}

/// MHD_PostDataIterator: a chunk of one multipart part.
func galleyFormIterator(_ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind, _ key: UnsafePointer<CChar>?,
                        _ filename: UnsafePointer<CChar>?, _ contentType: UnsafePointer<CChar>?,
                        _ transferEncoding: UnsafePointer<CChar>?, _ data: UnsafePointer<CChar>?,
                        _ offset: UInt64, _ size: Int) -> MHD_Result {
    guard let cls else { return .NO }
    let kept = Unmanaged<HTTPRequestContext>.fromOpaque(cls).takeUnretainedValue()
        .formChunk(name: key, filename: filename, contentType: contentType, data: data, offset: offset, size: size)
    return kept ? .YES : .NO
}

/// MHD_KeyValueIteratorN: one request header into the HTTPHeaders behind `cls`.
func galleyHeaderIterator(_ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind,
                          _ key: UnsafePointer<CChar>?, _ keySize: Int,
                          _ value: UnsafePointer<CChar>?, _ valueSize: Int) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let name = String(decoding: UnsafeRawBufferPointer(start: key, count: keySize), as: UTF8.self)
    let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: valueSize), as: UTF8.self) } ?? ""
    cls.assumingMemoryBound(to: HTTPHeaders.self).pointee.add(name: name, value: text)
    return .YES
}

/// MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's own diagnostics, at debug level
/// (most are clients misbehaving or going away).
func galleyMHDLog(_ cls: UnsafeMutableRawPointer?, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?) {
    guard let cls, let format, let arguments else { return }
    let core = Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue()
    guard Logger.minimumLevel <= .debug else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    var bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    while bytes.last == UInt8(ascii: "\n") || bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
    core.logger.debug("libmicrohttpd: " + String(decoding: bytes, as: UTF8.self))
}

/// MHD_AcceptPolicyCallback: refuses a connection from an address already holding its
/// share (`HTTP_PER_IP_CONNECTION_LIMIT`), unless that address is a trusted proxy.
func galleyAcceptPolicy(_ cls: UnsafeMutableRawPointer?, _ address: UnsafePointer<sockaddr>?,
                        _ length: socklen_t) -> MHD_Result {
    guard let cls, let address else { return .YES }
    let core = Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue()
    return core.peers.admits(HTTPServerCore.addressText(address)) ? .YES : .NO
}

/// MHD_NotifyConnectionCallback: counts a connection open from start to close.
/// `*socketContext` marks the ones counted, so a close pairs with its start.
func galleyConnectionNotify(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                            _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                            _ event: MHD_ConnectionNotificationCode) {
    guard let cls, let connection, let socketContext else { return }
    let core = Unmanaged<HTTPServerCore>.fromOpaque(cls).takeUnretainedValue()
    let address = HTTPServerCore.remoteAddress(connection)
    // MHD_CONNECTION_NOTIFY_STARTED (0) and MHD_CONNECTION_NOTIFY_CLOSED (1).
    switch event.rawValue {
    case 0:
        if core.peers.opened(address) { socketContext.pointee = UnsafeMutableRawPointer(bitPattern: 1) }
    case 1:
        if socketContext.pointee != nil {
            core.peers.closed(address)
            socketContext.pointee = nil
        }
    default:
        break
    }
}
