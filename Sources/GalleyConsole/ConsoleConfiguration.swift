import GalleyCore

/// What the console needs from the settings: who may log in, the key its CSRF tokens
/// are derived from, and how often live pages refresh.
public struct ConsoleConfiguration: Sendable {
    /// `ADMIN_USERNAME`.
    public var username: String
    /// `ADMIN_PASSWORD`; the console is mounted only when it is set.
    public var password: String
    /// Derived from `SECRET_KEY` and the password (``ConsoleCSRF``): every gateway of the
    /// fleet accepts a form another rendered, and a new password voids old forms.
    public var csrfKey: [UInt8]
    /// Seconds between two refreshes of a live page.
    public var refreshSeconds: Int

    public init(username: String, password: String, secretKey: [UInt8], refreshSeconds: Int = 5) {
        self.username = username
        self.password = password
        self.csrfKey = Crypto.hmacSHA256(key: secretKey, data: Array("galley-console-csrf\u{0}".utf8) + Array(password.utf8))
        self.refreshSeconds = refreshSeconds
    }
}
