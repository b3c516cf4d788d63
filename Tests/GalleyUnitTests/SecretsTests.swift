import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

/// Issue 12: no configuration of any process signs or verifies with a key written in
/// this repository (or the original's template); what is kept for the original's sake warns.
@Suite struct SecretsTests {
    let minimal = ["POSTGRES_SERVER": "db", "POSTGRES_USER": "app", "HOST": "127.0.0.1"]

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Every value given to a `*SECRET*` name in the deploy examples, plus the chaos, golden
    /// and test keys, the original's `changethis` and earlier Galley's built-in local key.
    static func publishedKeys() throws -> [String] {
        var keys: Set<String> = ["changethis", "gateway-test-secret", "galley-local-development-secret-do-not-deploy"]
        let files = ["deploy/.env.example", "deploy/k8s/secret.example.yaml", "chaos/harness/fleet.py", "Tests/Fixtures/golden/seed.json"]
        let pattern = try Regex(#"(?i)"?(SECRET_KEY|secret_key|REVENUECAT_WEBHOOK_SECRET|webhook_secret|WEBHOOK_SECRET)"?\s*[=:]\s*"?([^"\s,#]+)"?"#)
        for file in files {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) {
                // Values only: not `...`, `${VAR}`, a Python name or call.
                guard let value = match.output[2].substring.map(String.init), value != "...", !value.hasPrefix("$"),
                      !value.hasPrefix("{"), !value.contains("("), value.contains(where: { $0.isLowercase }) else { continue }
                keys.insert(value)
            }
        }
        return keys.sorted()
    }

    static func refuses(_ env: [String: String], requiring: Set<Settings.Secret> = [.signingKey, .webhookSecret]) -> Bool {
        do {
            _ = try Settings.load(from: env, requiring: requiring)
            return false
        } catch {
            return true
        }
    }

    @Test func theKeyListReallyComesFromTheRepository() throws {
        let keys = try Self.publishedKeys()
        #expect(keys.contains("change-me-secret-key-at-least-32-bytes-long"))
        #expect(keys.contains("change-me"))
        #expect(keys.contains("golden-fixture-secret-key-do-not-use-in-production-0123456789"))
        #expect(keys.contains("golden-webhook-secret"))
        #expect(keys.allSatisfy { !$0.contains("SECRET") }, "\(keys)")
    }

    @Test func noPublishedKeySignsOutsideLocal() throws {
        for key in try Self.publishedKeys() {
            for deployment in ["production", "staging"] {
                var env = minimal
                env["ENVIRONMENT"] = deployment
                env["REVENUECAT_WEBHOOK_SECRET"] = "an-operator-chosen-webhook-secret-123456"
                env["SECRET_KEY"] = key
                for requiring in [[], [Settings.Secret.signingKey, .webhookSecret]] as [Set<Settings.Secret>] {
                    #expect(Self.refuses(env, requiring: requiring), "\(key) in \(deployment)")
                }
                env["SECRET_KEY"] = "an-operator-chosen-signing-key-0123456789"
                env["SECRET_KEY_PREVIOUS"] = key
                #expect(Self.refuses(env), "\(key) as previous")
                env["SECRET_KEY_PREVIOUS"] = nil
                env["REVENUECAT_WEBHOOK_SECRET"] = key
                #expect(Self.refuses(env), "\(key) as webhook secret")
            }
        }
    }

    @Test func localNeverSignsWithAPlaceholderOrABuiltInKey() throws {
        var env = minimal
        env["ENVIRONMENT"] = "local"
        // Placeholders and this repository's own test keys alike (golden, chaos): no local
        // process signs with them, and none verifies a webhook with a published secret.
        for key in try Self.publishedKeys() {
            env["SECRET_KEY"] = key
            env["REVENUECAT_WEBHOOK_SECRET"] = key
            let settings = try Settings.load(from: env)
            #expect(settings.auth.secretKey != key)
            #expect(settings.auth.secretKey.utf8.count >= 32)
            #expect(settings.warnings.contains { $0.contains("SECRET_KEY is a key published") })
            #expect(settings.revenueCatWebhookSecret == nil, "\(key) verifies webhooks")
            #expect(settings.warnings.contains { $0.contains("checks no webhook secret") })
        }
        env["REVENUECAT_WEBHOOK_SECRET"] = nil
        // Unset: a random key per process, as the original drew one; two loads never agree.
        env["SECRET_KEY"] = nil
        let first = try Settings.load(from: env)
        let second = try Settings.load(from: env)
        #expect(first.auth.secretKey != second.auth.secretKey)
        #expect(first.warnings.contains { $0.contains("SECRET_KEY is not set") })
        for key in try Self.publishedKeys() {
            #expect(first.auth.secretKey != key && second.auth.secretKey != key)
        }
        // Workers need no key outside local either, and then get a random one, never a constant.
        env["ENVIRONMENT"] = "production"
        let worker = try Settings.load(from: env, requiring: [])
        #expect(try Self.publishedKeys().allSatisfy { $0 != worker.auth.secretKey })
        #expect(worker.auth.secretKey != (try Settings.load(from: env, requiring: []).auth.secretKey))
    }

    @Test func shortKeysStayAcceptedWithOneWarning() throws {
        var env = minimal
        env["ENVIRONMENT"] = "production"
        env["REVENUECAT_WEBHOOK_SECRET"] = "an-operator-chosen-webhook-secret-123456"
        env["SECRET_KEY"] = "twenty-char-secret-1"  // the original accepted such keys
        let settings = try Settings.load(from: env)
        #expect(settings.auth.secretKey == "twenty-char-secret-1")
        #expect(settings.warnings.filter { $0.contains("shorter than 32 bytes") }.count == 1)
        env["SECRET_KEY"] = "an-operator-chosen-signing-key-0123456789"
        #expect(try Settings.load(from: env).warnings.isEmpty)
    }

    @Test func rotationVerifiesWithThePreviousKeyAndSignsWithTheNewOne() throws {
        var env = minimal
        env["ENVIRONMENT"] = "production"
        env["REVENUECAT_WEBHOOK_SECRET"] = "an-operator-chosen-webhook-secret-123456"
        env["SECRET_KEY"] = "the-new-operator-chosen-key-0123456789abc"
        env["SECRET_KEY_PREVIOUS"] = "the-old-operator-chosen-key-0123456789abc, another-old-key-0123456789abcdefghij"
        let settings = try Settings.load(from: env)
        #expect(settings.auth.previousSecretKeys.count == 2)
        let signer = JWTSigner(secret: settings.auth.secretKey, previousSecrets: settings.auth.previousSecretKeys)
        let later = Date().addingTimeInterval(600)
        let old = JWTSigner(secret: "the-old-operator-chosen-key-0123456789abc").sign(subject: "7", expiresAt: later)
        #expect(try signer.verify(old) == "7")
        let fresh = signer.sign(subject: "8", expiresAt: later)
        #expect(try JWTSigner(secret: "the-new-operator-chosen-key-0123456789abc").verify(fresh) == "8")
        #expect(throws: JWTError.badSignature) { try JWTSigner(secret: "the-old-operator-chosen-key-0123456789abc").verify(fresh) }
        #expect(throws: JWTError.badSignature) { try signer.verify(JWTSigner(secret: "unknown-key").sign(subject: "9", expiresAt: later)) }
    }

    @Test func localSaysLoudlyWhatItLeavesOpen() throws {
        var env = minimal
        env["ENVIRONMENT"] = "local"
        env["SECRET_KEY"] = "an-operator-chosen-signing-key-0123456789"
        let loopback = try Settings.load(from: env)
        #expect(loopback.warnings.count == 1)
        #expect(loopback.warnings.first?.contains("REVENUECAT_WEBHOOK_SECRET is not set") == true)
        env["HOST"] = "0.0.0.0"
        env["REVENUECAT_WEBHOOK_SECRET"] = "an-operator-chosen-webhook-secret-123456"
        let exposed = try Settings.load(from: env)
        #expect(exposed.warnings.count == 1)
        #expect(exposed.warnings.first?.contains("not a loopback address") == true)
        // Workers do not serve the API: no listener warning for them.
        #expect(try Settings.load(from: env, requiring: []).warnings.isEmpty)
    }

    @Test func aFailedHMACFailsClosed() throws {
        let signer = JWTSigner(secret: "an-operator-chosen-signing-key-0123456789")
        let token = signer.sign(subject: "1", expiresAt: Date().addingTimeInterval(600))
        #expect(try signer.verify(token) == "1")
        Crypto.$injectFailure.withValue(true) {
            #expect(Crypto.hmacSHA256(key: [1, 2, 3], data: "x").isEmpty)
            // HMAC() returning NULL used to give two empty MACs that compared equal.
            #expect(throws: JWTError.badSignature) { try signer.verify(token) }
            let forged = signer.sign(subject: "1", expiresAt: Date().addingTimeInterval(600))
            #expect(throws: JWTError.badSignature) { try signer.verify(forged) }
            #expect(Crypto.sha256("same") != Crypto.sha256("same"))
            #expect(Crypto.randomBytes(32) != Crypto.randomBytes(32))
        }
        #expect(!Crypto.constantTimeEquals([UInt8](), [UInt8]()))
        #expect(Crypto.sha256("same") == Crypto.sha256("same"))
    }
}
