import GalleyCore

/// The connect step through Sentinel, and what sends a connection back to it.
extension RedisConnection {
    /// Connects to the master the resolver names (asking the Sentinels when it knows
    /// none), then checks the server's `ROLE`; any failure forgets that master so the
    /// next connect asks again.
    static func connect(_ configuration: RedisConfiguration, through resolver: RedisEndpointResolver) throws -> RedisContextHandle {
        let master = try resolver.master()
        var direct = configuration
        direct.host = master.host
        direct.port = master.port
        direct.sentinel = nil
        do {
            let handle = try connect(direct)
            let role = try RedisConnection(handle: handle, configuration: direct).checkedCommand(["ROLE"])
            guard case .array(let parts) = role, parts.first?.stringValue == "master" else {
                throw RedisError.connectionFailed("\(master) is not a master (yet)")
            }
            handle.sentinelMaster = master
            return handle
        } catch {
            resolver.invalidate(master)
            if let error = error as? RedisError, error.isConnectionError { throw error }
            throw RedisError.connectionFailed("\(master): \((error as? RedisError)?.debugDescription ?? "\(error)")")
        }
    }

    /// For a connection made through Sentinel: `READONLY` (the server was demoted) and
    /// `UNBLOCKED` (a blocking read cut short by a role change) mean the master moved.
    /// The command did not run, so the connection is dropped and the error is a lost
    /// connection, which callers already retry.
    func masterMoved(_ reply: RedisValue) -> RedisError? {
        guard handle.sentinelMaster != nil, case .error(let message) = reply,
              message.hasPrefix("READONLY") || message.hasPrefix("UNBLOCKED")
        else { return nil }
        let lost = markBroken()
        return RedisError.connectionLost("master moved (\(message.prefix { $0 != " " })): \(lost.debugDescription)")
    }

    /// A broken connection to a Sentinel-named master makes the next connect ask again.
    func forgetMaster() {
        guard let master = handle.sentinelMaster else { return }
        configuration.sentinel?.invalidate(master)
    }
}
