import Foundation
import GalleyCore
import GalleyHTTP

/// HTTP Basic for the console: the browser keeps the credentials, so there is no session
/// store and nothing to steal from a cookie.
enum ConsoleCredentials {
    enum Outcome: Equatable {
        /// No `Authorization: Basic` header: the browser is asked for one.
        case absent
        case accepted(user: String)
        /// A header that names another user or another password.
        case refused
    }

    /// Checks the request's credentials. Both sides are hashed first, so the comparison
    /// takes the same time whatever the length or content of the guess.
    static func check(_ request: HTTPRequest, _ configuration: ConsoleConfiguration) -> Outcome {
        guard let header = request.headers["Authorization"] else { return .absent }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8),
              let colon = text.firstIndex(of: ":") else { return .refused }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        let userMatches = Crypto.constantTimeEquals(Crypto.sha256(user), Crypto.sha256(configuration.username))
        let passwordMatches = Crypto.constantTimeEquals(Crypto.sha256(password), Crypto.sha256(configuration.password))
        return userMatches && passwordMatches ? .accepted(user: user) : .refused
    }
}
