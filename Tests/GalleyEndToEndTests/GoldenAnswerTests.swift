import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyTestSupport

/// Galley on the original's own database answers the original's recorded requests with
/// the original's recorded answers (Tests/Fixtures/golden, recorded from the original
/// running; see scripts/golden/README.md).
///
/// A fresh database gets the original's dump (`original.sql`, alembic head
/// `5b3e1a1b3c0a`), then the real gateway starts on it and runs Galley's migrations on
/// top (the adoption path), with secrets of this run (Galley refuses the recording's:
/// they are published in this repository); every recorded credential is carried over. Every case of `replay.json`
/// is replayed in order; the answer must equal the recording, or, where the case is
/// one of the deliberate differences of docs/api.md, the behaviour Galley keeps.
@Suite(.serialized)
struct GoldenAnswerTests {
    @Test func everyRecordedAnswerIsIdenticalOrAListedDifference() async throws {
        let fixtures = try GoldenFixtures.load()
        #expect(fixtures.cases.count == 241)
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(
            redisDatabase: 9,
            environment: [
                "SECRET_KEY": Self.runSecretKey,
                "REVENUECAT_WEBHOOK_SECRET": Self.runWebhookSecret,
                "PROJECT_NAME": fixtures.projectName,
                "CONFIG_PATH": GoldenFixtures.directory.appendingPathComponent("default_config.json").path,
                "BACKEND_CORS_ORIGINS": "http://localhost,https://localhost,http://localhost.tiangolo.com",
                "ALIYUN_EMOJI_MOCK": "true",
            ],
            prepareDatabase: { try GoldenFixtures.restoreDump(into: $0) }))
        do {
            try await replay(fixtures, on: gateway)
        } catch {
            await gateway.tearDown()
            throw error
        }
        await gateway.tearDown()
    }

    /// The comparison itself sees what differs (and only that): a value, a JSON type, a
    /// missing or extra key, a header, a volatile path's type.
    @Test func comparisonReportsEachKindOfDifference() {
        let expected = GoldenFixtures.Answer(
            status: 200, headers: ["content-type": "application/json", "allow": "GET, PUT"],
            json: ["code": 0, "data": ["a": "2026-12-01T21:26:29.524404Z", "id": 1, "n": nil]], text: "", volatile: ["data.id"])
        func answer(_ json: String, status: Int = 200, headers: [(String, String)] = [
            ("Content-Type", "application/json; charset=utf-8"), ("Allow", "put, get"),
        ]) -> GatewayHTTPResponse {
            GatewayHTTPResponse(status: status, headers: headers, body: Array(json.utf8))
        }
        #expect(GoldenComparison.problems(
            expected: expected, got: answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":99,"n":null}}"#),
            method: "GET").isEmpty)
        let cases = [
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524Z","id":1,"n":null}}"#),
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":"1","n":null}}"#),
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":1}}"#),
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":1,"n":null,"x":1}}"#),
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":1,"n":null}}"#, status: 201),
            answer(#"{"code":0,"data":{"a":"2026-12-01T21:26:29.524404Z","id":1,"n":null}}"#,
                   headers: [("Content-Type", "application/json"), ("Allow", "GET")]),
        ]
        for got in cases {
            #expect(GoldenComparison.problems(expected: expected, got: got, method: "GET").count == 1, "\(got.text)")
        }
    }

    /// This run's keys: Galley signs and verifies with no key written in the repository,
    /// the recording's fixture keys included (issue 12), so the replay brings its own.
    static let runSecretKey = Base64URL.encode(Crypto.randomBytes(32))
    static let runWebhookSecret = "whsec-" + Base64URL.encode(Crypto.randomBytes(24))

    /// A recorded header value with the recording's credentials carried over to this run's
    /// keys: the webhook secret replaced, and every JWT the recording's key signed (valid,
    /// expired or odd-claimed alike) signed again with this run's key, so each case still
    /// sends what it meant to; forged signatures stay forged.
    static func carried(_ value: String, from fixtures: GoldenFixtures) -> String {
        let replaced = value.replacingOccurrences(of: fixtures.webhookSecret, with: runWebhookSecret)
        return replaced.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            let parts = word.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return String(word) }
            let signingInput = parts[0] + "." + parts[1]
            let recorded = Base64URL.encode(Crypto.hmacSHA256(key: Array(fixtures.secretKey.utf8), data: String(signingInput)))
            guard recorded == parts[2] else { return String(word) }
            return signingInput + "." + Base64URL.encode(Crypto.hmacSHA256(key: Array(runSecretKey.utf8), data: String(signingInput)))
        }.joined(separator: " ")
    }

    /// Sends every case in order and compares; one issue lists every case that differs.
    private func replay(_ fixtures: GoldenFixtures, on gateway: GatewayProcess) async throws {
        let signer = JWTSigner(secret: Self.runSecretKey)
        var identical = 0
        var kept: [String] = []
        var failures: [String] = []
        for golden in fixtures.cases {
            var headers = golden.headers.map { ($0.0, Self.carried($0.1, from: fixtures)) }
            if let userID = golden.tokenUserID {
                headers.append(("Authorization", "Bearer " + signer.sign(subject: userID, expiresAt: Date().addingTimeInterval(3600))))
            } else if let literal = golden.authorizationHeader {
                headers.append(("Authorization", Self.carried(literal, from: fixtures)))
            }
            let response = try await gateway.request(golden.method, golden.path, headers: headers, body: golden.body)
            let problems: [String]
            switch GoldenKeptDifferences.expectation(for: golden, fixtures: fixtures, now: Date()) {
            case nil:
                problems = GoldenComparison.problems(expected: golden.expected, got: response, method: golden.method)
                if problems.isEmpty { identical += 1 }
                if golden.galleyDiffers != nil && problems.isEmpty {
                    failures.append("\(golden.name): marked galley_differs but Galley now answers like the original; "
                        + "drop it from docs/api.md's differences")
                }
            case .exact(let answer, let reason)?:
                problems = GoldenComparison.problems(expected: answer, got: response, method: golden.method)
                if problems.isEmpty { kept.append("\(golden.name) [\(reason)]") }
            case .check(let reason, let check)?:
                problems = check(response)
                if problems.isEmpty { kept.append("\(golden.name) [\(reason)]") }
            }
            if !problems.isEmpty {
                failures.append("\(golden.name): \(golden.method) \(golden.path)\n    " + problems.joined(separator: "\n    "))
            }
        }
        let summary = "golden: \(identical) identical, \(kept.count) kept differences, \(failures.count) failed"
        print(summary + (kept.isEmpty ? "" : "\nkept:\n  " + kept.joined(separator: "\n  ")))
        #expect(failures.isEmpty, "\(summary)\n\(failures.joined(separator: "\n"))")
        #expect(identical + kept.count == fixtures.cases.count)
    }
}
