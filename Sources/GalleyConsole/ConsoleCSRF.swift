import Foundation
import GalleyCore

/// CSRF tokens: HMAC of the operator's name and the UTC day under the console's key
/// (``ConsoleConfiguration/csrfKey``). A form rendered yesterday still posts today;
/// older ones are refused. Nothing is stored.
struct ConsoleCSRF: Sendable {
    let key: [UInt8]

    func token(user: String, now: Date) -> String {
        token(user: user, day: Self.day(now))
    }

    func verify(_ token: String?, user: String, now: Date) -> Bool {
        guard let token, !token.isEmpty else { return false }
        let today = Self.day(now)
        // Both compared every time: the answer's timing says nothing about which day matched.
        let current = Crypto.constantTimeEquals(token, self.token(user: user, day: today))
        let previous = Crypto.constantTimeEquals(token, self.token(user: user, day: today - 1))
        return current || previous
    }

    private func token(user: String, day: Int64) -> String {
        Base64URL.encode(Crypto.hmacSHA256(key: key, data: "csrf\u{0}\(user)\u{0}\(day)"))
    }

    private static func day(_ now: Date) -> Int64 { Int64((now.timeIntervalSince1970 / 86_400).rounded(.down)) }
}
