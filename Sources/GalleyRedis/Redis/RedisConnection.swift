import CHiredis
import Foundation
import GalleyCore

/// One hiredis connection (RESP2, synchronous). Use it from one thread at a time; pooled
/// connections come from ``RedisPool/withConnection(_:)`` and must not outlive its body.
///
/// An I/O error or a socket timeout marks the connection broken (a late reply could
/// otherwise be read as the answer to the next command): it throws
/// ``RedisError/connectionLost`` from then on and the pool replaces it.
public final class RedisConnection {
    let handle: RedisContextHandle
    public let configuration: RedisConfiguration
    /// Set in Cluster mode: keyed commands go to their slot's node, not to `handle`.
    let cluster: RedisClusterRouter?

    /// Connects, sets the command timeout, then `AUTH` and `SELECT` as configured.
    public convenience init(configuration: RedisConfiguration) throws {
        self.init(handle: try RedisConnection.connect(configuration), configuration: configuration)
    }

    init(handle: RedisContextHandle, configuration: RedisConfiguration, cluster: RedisClusterRouter? = nil) {
        self.handle = handle
        self.configuration = configuration
        self.cluster = cluster
    }

    /// True once the connection failed; every later command throws ``RedisError/connectionLost``.
    public var isBroken: Bool { handle.isBroken }

    /// The socket timeout now in force, in seconds.
    public var timeoutSeconds: Double { handle.timeoutSeconds }

    /// Sends one command and returns its reply; an error reply comes back as `.error`.
    public func command(_ arguments: [RedisArgument]) throws -> RedisValue {
        guard !arguments.isEmpty else { throw RedisError.invalidArgument("empty command") }
        if let cluster, let slot = try RedisCommandKeys.slot(of: arguments) {
            return try cluster.command(arguments, slot: slot, timeoutSeconds: handle.timeoutSeconds)
        }
        try ensureUsable()
        let context = handle.context
        let reply = try RedisConnection.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let reply else { throw markBroken() }
        defer { freeReplyObject(reply) }
        let value = RedisConnection.value(of: reply.assumingMemoryBound(to: redisReply.self))
        if let moved = masterMoved(value) { throw moved }
        return value
    }

    /// Variadic form of ``command(_:)-([RedisArgument])``: `command("GET", key)`.
    public func command(_ arguments: RedisArgument...) throws -> RedisValue {
        try command(arguments)
    }

    /// Like ``command(_:)-([RedisArgument])`` but an error reply throws ``RedisError/server``.
    public func checkedCommand(_ arguments: [RedisArgument]) throws -> RedisValue {
        try command(arguments).checked()
    }

    /// Sends every command before reading any reply (one round trip); replies in order,
    /// error replies as `.error` values so one failing command does not hide the others.
    public func pipeline(_ commands: [[RedisArgument]]) throws -> [RedisValue] {
        guard !commands.contains(where: \.isEmpty) else { throw RedisError.invalidArgument("empty command") }
        if commands.isEmpty { return [] }
        if let cluster, let replies = try cluster.pipelineIfKeyed(commands, timeoutSeconds: handle.timeoutSeconds) {
            return replies
        }
        try ensureUsable()
        let context = handle.context
        for arguments in commands {
            let status = try RedisConnection.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            // A half-written buffer cannot be taken back: the connection is done for.
            guard status == REDIS_OK else { throw markBroken() }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else { throw markBroken() }
            replies.append(RedisConnection.value(of: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        if let moved = replies.lazy.compactMap({ self.masterMoved($0) }).first { throw moved }
        return replies
    }

    /// Sets the socket read/write timeout. Blocking reads (`XREADGROUP ... BLOCK`) need one
    /// longer than the block, or the read times out and the connection is lost.
    public func setTimeout(seconds: Double) throws {
        guard seconds > 0, seconds.isFinite else { throw RedisError.invalidArgument("timeout must be positive") }
        try ensureUsable()
        guard redisSetTimeout(handle.context, RedisConnection.makeTimeval(seconds: seconds)) == REDIS_OK else {
            throw markBroken()
        }
        handle.timeoutSeconds = seconds
    }

    /// Runs `body` with the socket timeout at least `seconds`, then puts the old one back.
    func withTimeout<T>(atLeast seconds: Double, _ body: () throws -> T) throws -> T {
        let previous = handle.timeoutSeconds
        guard seconds > previous else { return try body() }
        try setTimeout(seconds: seconds)
        defer { if !handle.isBroken { try? setTimeout(seconds: previous) } }
        return try body()
    }

    private func ensureUsable() throws {
        if handle.context.pointee.err != 0 { throw markBroken() }
        if handle.isBroken { throw RedisError.connectionLost("connection was already broken") }
    }

    /// Marks the connection unusable and returns the error to throw.
    func markBroken() -> RedisError {
        handle.isBroken = true
        forgetMaster()
        return RedisError.connectionLost(handle.errorText)
    }

    // MARK: - Connecting

    static func connect(_ configuration: RedisConfiguration) throws -> RedisContextHandle {
        if let resolver = configuration.sentinel { return try connect(configuration, through: resolver) }
        guard (1...65535).contains(configuration.port) else { throw RedisError.invalidArgument("port out of range") }
        guard configuration.connectTimeoutSeconds > 0, configuration.commandTimeoutSeconds > 0 else {
            throw RedisError.invalidArgument("timeouts must be positive")
        }
        guard configuration.database >= 0 else { throw RedisError.invalidArgument("database must not be negative") }
        let connectTimeout = makeTimeval(seconds: configuration.connectTimeoutSeconds)
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), connectTimeout) else {
            throw RedisError.connectionFailed("could not allocate a context")
        }
        let handle = RedisContextHandle(context: context, timeoutSeconds: configuration.commandTimeoutSeconds)
        guard context.pointee.err == 0 else { throw RedisError.connectionFailed(handle.errorText) }
        guard redisSetTimeout(context, makeTimeval(seconds: configuration.commandTimeoutSeconds)) == REDIS_OK else {
            throw RedisError.connectionFailed(handle.errorText)
        }
        let connection = RedisConnection(handle: handle, configuration: configuration)
        do {
            if let password = configuration.password {
                // The server's answer never quotes the password, but keep only its code word.
                let reply = try connection.command(["AUTH", .string(password)])
                if case .error(let message) = reply {
                    throw RedisError.connectionFailed("AUTH refused (\(message.prefix { $0 != " " }))")
                }
            }
            if configuration.database != 0 {
                let reply = try connection.command(["SELECT", .integer(Int64(configuration.database))])
                if case .error(let message) = reply { throw RedisError.connectionFailed("SELECT refused: \(message)") }
            }
        } catch let error as RedisError where error == .connectionLost {
            throw RedisError.connectionFailed(error.debugDescription)
        }
        return handle
    }

    static func makeTimeval(seconds: Double) -> timeval {
        let whole = seconds.rounded(.down)
        return timeval(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }

    // MARK: - Arguments and replies

    /// Lays every argument out in one buffer and calls `body` with argc, argv and lengths.
    private static func withArgv<R>(
        _ arguments: [RedisArgument],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) throws -> R {
        var storage: [UInt8] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            let bytes = argument.encoded
            offsets.append(storage.count)
            lengths.append(bytes.count)
            storage.append(contentsOf: bytes)
        }
        storage.append(0)  // never empty, so the buffer always has a base address
        guard let argc = Int32(exactly: arguments.count) else { throw RedisError.invalidArgument("too many arguments") }
        let result: R? = storage.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { offset in
                base.baseAddress.map { UnsafePointer($0 + offset) }
            }
            return argv.withUnsafeMutableBufferPointer { pointers in
                lengths.withUnsafeBufferPointer { sizes in
                    guard let argvBase = pointers.baseAddress, let sizesBase = sizes.baseAddress else { return nil }
                    return body(argc, argvBase, sizesBase)
                }
            }
        }
        // Only an empty argument list has no buffers, and callers reject that first.
        guard let result else { throw RedisError.invalidArgument("empty command") }
        return result
    }

    /// Copies a hiredis reply tree into a ``RedisValue`` (the caller frees the reply).
    static func value(of reply: UnsafePointer<redisReply>) -> RedisValue {
        let item = reply.pointee
        switch item.type {
        case REDIS_REPLY_STRING:
            return .string(bytes(item.str, item.len))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(item.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(item.str, item.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(item.str, item.len), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            guard item.elements > 0, let elements = item.element else { return .array([]) }
            var values: [RedisValue] = []
            values.reserveCapacity(item.elements)
            for index in 0..<item.elements {
                values.append(elements[index].map { value(of: $0) } ?? .null)
            }
            return .array(values)
        default:
            return .error("unsupported reply type \(item.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
