import GalleyCore

extension Settings {
    /// The operator console (issue 14): mounted only when `ADMIN_PASSWORD` is set.
    public struct Console: Sendable {
        /// Nil: no console, `/admin/` is an unknown path like any other.
        public var password: String?
        public var username: String
        /// Nil: the console answers on `PORT` beside the API.
        public var port: Int?
        public var host: String
        /// Failed logins per minute per client address (0: no limit).
        public var loginFailuresPerMinute: Int

        /// The console shares the internal listener (`/metrics`, `/ready`) rather than
        /// binding a second port with the same number.
        public func sharesInternalListener(_ http: HTTP) -> Bool {
            port != nil && port == http.internalPort
        }
    }

    /// Outside `local` a password under 12 characters is refused: the console can move points.
    static func loadConsole(_ env: SettingsReader, http: HTTP) throws(ConfigurationError) -> Console {
        let password = try env.text("ADMIN_PASSWORD")
        let isLocal = try env.choice("ENVIRONMENT") == "local"
        if let password, !isLocal, password.count < 12 {
            throw .invalid("ADMIN_PASSWORD", expected: "at least 12 characters outside ENVIRONMENT=local")
        }
        let port = try env.optionalInt("ADMIN_PORT")
        let sharesInternal = port != nil && port == http.internalPort
        return Console(
            password: password, username: try env.required("ADMIN_USERNAME"), port: port,
            host: try env.text("ADMIN_HOST", computed: sharesInternal ? http.internalHost : http.host),
            loginFailuresPerMinute: try env.int("RATE_LIMIT_ADMIN_LOGIN_FAILURES_PER_MINUTE"))
    }
}
