import GalleyCore

/// Issue 12: no process signs or verifies with a key anyone can read. There is no built-in
/// key; placeholders written in this repository or the original's are refused outside
/// `local`; what stays accepted for the original's sake is said once, loudly, at start.
extension Settings {
    /// A key published somewhere anyone can read.
    enum PublishedKey {
        /// A template value an operator may have copied: the original's `changethis`,
        /// this repository's `change-me…` examples, earlier Galley's built-in local key.
        case placeholder
        /// A key of this repository's tests, golden fixtures or chaos harness.
        case fixture
    }

    /// Whether `key` is written in this repository or the original's; nil for a key of one's own.
    static func publishedKind(_ key: String) -> PublishedKey? {
        let lowered = key.lowercased()
        if lowered == "changethis" || lowered.hasPrefix("change-me") || lowered.hasPrefix("changeme")
            || lowered.hasPrefix("galley-local-") || lowered.contains("do-not-deploy") {
            return .placeholder
        }
        for marker in ["do-not-use", "not-for-production", "gateway-test-secret"] where lowered.contains(marker) {
            return .fixture
        }
        if lowered.hasPrefix("golden-") || lowered.hasPrefix("chaos-") { return .fixture }
        return nil
    }

    static func isPublishedKey(_ key: String) -> Bool { publishedKind(key) != nil }

    /// Below this many bytes an HS256 key can be guessed offline from one issued token.
    static let shortKeyBytes = 32

    /// `SECRET_KEY` (signs) and `SECRET_KEY_PREVIOUS` (verifies only: comma-separated keys
    /// being rotated out), and the warnings to print at start.
    static func signingKeys(_ env: EnvironmentReader, isLocal: Bool, required: Bool)
        throws(ConfigurationError) -> (current: String, previous: [String], warnings: [String])
    {
        var warnings: [String] = []
        var current: String
        if let given = env.string("SECRET_KEY") {
            if publishedKind(given) != nil {
                guard isLocal else {
                    throw .invalid("SECRET_KEY", expected: "a secret of your own, not a placeholder published in a repository")
                }
                // Placeholders and this repository's test keys alike: a local process signs
                // with a random key of its own, never with one anyone can read.
                warnings.append("SECRET_KEY is a key published in a repository; this local process signs with a random key of its own instead (tokens do not survive a restart)")
                current = randomKey()
            } else {
                current = given
                if given.utf8.count < shortKeyBytes {
                    warnings.append("SECRET_KEY is shorter than \(shortKeyBytes) bytes: accepted (the original's keys must keep working) but guessable offline from any issued token; rotate it with SECRET_KEY_PREVIOUS")
                }
            }
        } else if isLocal || !required {
            // The original drew a random key per process when none was set; so does Galley.
            if required {
                warnings.append("SECRET_KEY is not set: this local process signs with a random key of its own (tokens do not survive a restart, and other processes cannot verify them); scripts/stack env sets a persistent one")
            }
            current = randomKey()
        } else {
            throw .missing("SECRET_KEY")
        }

        var previous: [String] = []
        for key in env.string("SECRET_KEY_PREVIOUS")?.split(separator: ",").map({ String($0).trimmingWhitespace() }) ?? []
        where !key.isEmpty {
            guard !isPublishedKey(key) else {
                throw .invalid("SECRET_KEY_PREVIOUS", expected: "keys of your own, not placeholders published in a repository")
            }
            previous.append(key)
        }
        if !previous.isEmpty {
            warnings.append("SECRET_KEY_PREVIOUS is set: tokens signed with \(previous.count) previous key(s) still verify; remove it once they have expired (ACCESS_TOKEN_EXPIRE_DAYS)")
        }
        return (current, previous, warnings)
    }

    /// Refusals and warnings about where a local stack listens and what it leaves open.
    static func exposureWarnings(_ env: EnvironmentReader, isLocal: Bool, host: String, webhookSecret: String?,
                                 requiringWebhookSecret: Bool) throws(ConfigurationError) -> [String] {
        var warnings: [String] = []
        if let webhookSecret, isPublishedKey(webhookSecret) {
            guard isLocal else {
                throw .invalid("REVENUECAT_WEBHOOK_SECRET", expected: "a secret of your own, not a placeholder published in a repository")
            }
            warnings.append("REVENUECAT_WEBHOOK_SECRET is a key published in a repository: this local process checks no webhook secret, as with none set (anyone can post webhooks to it)")
        }
        // The rest concerns the process that serves the API (the one requiring the secret).
        guard isLocal, requiringWebhookSecret else { return warnings }
        if webhookSecret == nil {
            warnings.append("REVENUECAT_WEBHOOK_SECRET is not set: the webhook accepts any caller (allowed in ENVIRONMENT=local only)")
        }
        // Not refused: a local compose stack binds 0.0.0.0 inside its container, as the
        // original's did. Said loudly instead, since local mode relaxes secrets and mocks.
        if !isLoopback(host) {
            warnings.append("ENVIRONMENT=local but HOST=\(host) is not a loopback address: this development stack is reachable from the network; set HOST=127.0.0.1 or ENVIRONMENT=production")
        }
        return warnings
    }

    static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
    }

    /// 32 bytes from the CSPRNG, as text.
    static func randomKey() -> String { Base64URL.encode(Crypto.randomBytes(32)) }
}
