import GalleyCore

/// The few plain commands the services use (rate limits, dedupe markers, locks, scripts).
/// Server errors throw ``RedisError/server``.
extension RedisConnection {
    /// The value as UTF-8 text, or nil when the key does not exist.
    public func get(_ key: String) throws -> String? {
        try getBytes(key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The raw value, or nil when the key does not exist.
    public func getBytes(_ key: String) throws -> [UInt8]? {
        switch try checkedCommand(["GET", .string(key)]) {
        case .null: return nil
        case .string(let bytes): return bytes
        default: throw RedisError.unexpectedReply("GET")
        }
    }

    /// SET with optional expiry (`EX` seconds or `PX` milliseconds) and `NX`. Returns false
    /// when `NX` kept an existing value.
    @discardableResult
    public func set(
        _ key: String,
        _ value: RedisArgument,
        expireSeconds: Int? = nil,
        expireMilliseconds: Int? = nil,
        onlyIfAbsent: Bool = false
    ) throws -> Bool {
        guard expireSeconds == nil || expireMilliseconds == nil else {
            throw RedisError.invalidArgument("EX and PX together")
        }
        var arguments: [RedisArgument] = ["SET", .string(key), value]
        if let expireSeconds {
            guard expireSeconds > 0 else { throw RedisError.invalidArgument("EX must be positive") }
            arguments += ["EX", .integer(Int64(expireSeconds))]
        }
        if let expireMilliseconds {
            guard expireMilliseconds > 0 else { throw RedisError.invalidArgument("PX must be positive") }
            arguments += ["PX", .integer(Int64(expireMilliseconds))]
        }
        if onlyIfAbsent { arguments.append("NX") }
        switch try checkedCommand(arguments) {
        case .status: return true
        case .null: return false
        default: throw RedisError.unexpectedReply("SET")
        }
    }

    /// Deletes keys; returns how many existed.
    @discardableResult
    public func del(_ keys: String...) throws -> Int {
        try del(keys)
    }

    /// Deletes keys; returns how many existed.
    @discardableResult
    public func del(_ keys: [String]) throws -> Int {
        if keys.isEmpty { return 0 }
        guard let count = try checkedCommand(["DEL"] + keys.map { .string($0) }).integerValue else {
            throw RedisError.unexpectedReply("DEL")
        }
        return Int(count)
    }

    /// Increments and returns the new value (1 for a new key).
    @discardableResult
    public func incr(_ key: String) throws -> Int64 {
        guard case .integer(let value) = try checkedCommand(["INCR", .string(key)]) else {
            throw RedisError.unexpectedReply("INCR")
        }
        return value
    }

    /// Sets a time to live in seconds; false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, seconds: Int) throws -> Bool {
        guard case .integer(let value) = try checkedCommand(["EXPIRE", .string(key), .integer(Int64(seconds))]) else {
            throw RedisError.unexpectedReply("EXPIRE")
        }
        return value == 1
    }

    /// Sets a time to live in milliseconds; false when the key does not exist.
    @discardableResult
    public func pexpire(_ key: String, milliseconds: Int) throws -> Bool {
        guard case .integer(let value) = try checkedCommand(["PEXPIRE", .string(key), .integer(Int64(milliseconds))])
        else { throw RedisError.unexpectedReply("PEXPIRE") }
        return value == 1
    }

    /// Runs a Lua script atomically (EVAL); keys and arguments travel as separate argv entries.
    public func eval(_ script: String, keys: [String] = [], args: [RedisArgument] = []) throws -> RedisValue {
        try checkedCommand(
            ["EVAL", .string(script), .integer(Int64(keys.count))] + keys.map { .string($0) } + args)
    }
}
