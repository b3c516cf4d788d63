import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyRedis
@testable import GalleyHTTP
@testable import GalleyStorage
@testable import GalleyRuntime
@testable import GalleyEmoji
@testable import GalleyWebhooks
@testable import GalleyRewards
@testable import GalleyGateway
@testable import GalleyTesting
import GalleyTestSupport

/// The fake DashScope speaks the protocol the real client expects: checked directly on
/// the responder, then end to end through a real server and ``DashScopeClient``.
@Suite struct FakeDashScopeTests {
    init() { Signals.ignoreSIGPIPE() }

    static let submitBody: JSONValue = [
        "model": "emoji-v1",
        "input": ["image_url": "https://img.test/1.jpg", "driven_id": "mengwa_kaixin",
                  "face_bbox": [1, 2, 3, 4], "ext_bbox": [0, 0, 5, 5]],
    ]

    func request(_ method: String, _ path: String, body: JSONValue? = nil, async: Bool = false, auth: String? = "Bearer sk-test") -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "fake.test:8090")
        if let auth { headers.add(name: "Authorization", value: auth) }
        if async { headers.add(name: "X-DashScope-Async", value: "enable") }
        return HTTPRequest(method: method, path: path, headers: headers, body: body.map(JSONWriter.bytes) ?? [])
    }

    func json(_ response: HTTPResponse) throws -> JSONValue { try JSONParser.parse(response.body) }

    @Test func submitNeedsAKeyAndTheAsyncHeader() throws {
        let fake = FakeDashScope()
        let noKey = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true, auth: nil))
        #expect(noKey.status == 401)
        #expect(try json(noKey)["code"] == "InvalidApiKey")
        #expect(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true, auth: "Bearer  ")).status == 401)
        let sync = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody))
        #expect(sync.status == 403)
        #expect(try json(sync)["code"] == "AccessDenied")
        let bad = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: ["model": "emoji-v1", "input": ["image_url": "x"]], async: true))
        #expect(bad.status == 400)
        #expect(try json(bad)["code"] == "InvalidParameter")
        #expect(fake.stats.submitsTotal == 0)
    }

    @Test func aTaskGoesPendingRunningSucceededAndItsVideoIsServed() throws {
        var config = FakeDashScopeConfiguration()
        config.latencySeconds = 4
        let clock = MockClock()
        let fake = FakeDashScope(configuration: config, now: { clock.now })
        let submitted = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true))
        #expect(submitted.status == 200)
        let output = try json(submitted)["output"]
        #expect(output?["task_status"] == "PENDING")
        let id = try #require(output?["task_id"]?.stringValue)
        #expect(try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + id)))["output"]?["task_status"] == "PENDING")
        clock.advance(1.5)
        #expect(try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + id)))["output"]?["task_status"] == "RUNNING")
        clock.advance(2.6)
        let done = try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + id)))
        #expect(done["output"]?["task_status"] == "SUCCEEDED")
        let videoURL = try #require(done["output"]?["video_url"]?.stringValue)
        #expect(videoURL == "http://fake.test:8090/videos/\(id).mp4")
        let video = fake.respond(to: request("GET", "/videos/\(id).mp4", auth: nil))
        #expect(video.status == 200)
        #expect(video.body == MockEmojiProvider.sampleVideo)
        #expect(fake.respond(to: request("GET", "/videos/nope.mp4", auth: nil)).status == 404)
        let stats = fake.stats
        #expect(stats.submitsTotal == 1 && stats.queriesTotal == 3 && stats.downloadsTotal == 1)
        #expect(stats.submitsByImage == ["https://img.test/1.jpg": 1])
        #expect(FakeDashScopeStats(json: stats.json) == stats)
    }

    @Test func failuresUnknownsAndThrottlingAtTheirRates() throws {
        let fake = FakeDashScope()
        fake.update { $0.failureRate = 1 }
        let failedID = try #require(try json(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true)))["output"]?["task_id"]?.stringValue)
        let failed = try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + failedID)))["output"]
        #expect(failed?["task_status"] == "FAILED")
        #expect(failed?["code"] == "InternalError.Algo")
        #expect(failed?["message"]?.stringValue?.isEmpty == false)

        fake.update { $0.failureRate = 0; $0.unknownRate = 1 }
        let lostID = try #require(try json(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true)))["output"]?["task_id"]?.stringValue)
        #expect(try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + lostID)))["output"]?["task_status"] == "UNKNOWN")
        #expect(try json(fake.respond(to: request("GET", FakeDashScope.taskPrefix + "never-submitted")))["output"]?["task_status"] == "UNKNOWN")

        fake.update { $0.throttleRate = 1 }
        let throttled = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true))
        #expect(throttled.status == 429)
        #expect(try json(throttled)["code"] == "Throttling.RateQuota")
        #expect(fake.respond(to: request("GET", FakeDashScope.taskPrefix + lostID)).status == 429)
        #expect(fake.stats.throttledTotal == 2)
        #expect(fake.stats.submitsByImage == ["https://img.test/1.jpg": 2])
        #expect(fake.stats.duplicateSubmits == ["https://img.test/1.jpg": 2])
    }

    @Test func everyAcceptedSubmissionIsLoggedWithItsArrivalAndTaskID() throws {
        let clock = MockClock()
        let fake = FakeDashScope(now: { clock.now })
        let first = try json(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true)))
        clock.advance(2.5)
        fake.update { $0.throttleRate = 1 }
        #expect(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true)).status == 429)
        fake.update { $0.throttleRate = 0 }
        let second = try json(fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true)))
        let log = fake.submissions
        // The throttled one was not accepted, so it is not logged.
        #expect(log.map(\.taskID) == [first["output"]?["task_id"]?.stringValue, second["output"]?["task_id"]?.stringValue].compactMap { $0 })
        #expect(log.count == 2 && log[1].at - log[0].at == 2.5)
        #expect(log.allSatisfy { $0.imageURL == "https://img.test/1.jpg" })
        let served = try json(fake.respond(to: request("GET", "/_fake/submissions", auth: nil)))
        let entries = try #require(served["submissions"]?.arrayValue)
        #expect(entries.count == 2)
        #expect(entries[1]["task_id"]?.stringValue == log[1].taskID)
        #expect(entries[0]["at"]?.doubleValue == log[0].at)
        _ = fake.respond(to: request("POST", "/_fake/reset", auth: nil))
        #expect(fake.submissions.isEmpty)
    }

    @Test func adminRoutesChangeAndResetTheFake() throws {
        let fake = FakeDashScope()
        let changed = fake.respond(to: request("POST", "/_fake/config", body: ["latency_seconds": 3, "failure_rate": 0.25], auth: nil))
        #expect(changed.status == 200)
        #expect(fake.configuration.latencySeconds == 3 && fake.configuration.failureRate == 0.25)
        _ = fake.respond(to: request("POST", FakeDashScope.synthesisPath, body: Self.submitBody, async: true))
        #expect(try json(fake.respond(to: request("GET", "/_fake/stats", auth: nil)))["submits_total"] == 1)
        _ = fake.respond(to: request("POST", "/_fake/reset", auth: nil))
        #expect(fake.stats == FakeDashScopeStats())
    }

    @Test func theRealClientWorksAgainstTheFakeOverHTTP() async throws {
        var config = FakeDashScopeConfiguration()
        config.latencySeconds = 2
        let clock = MockClock()
        let fake = FakeDashScope(configuration: config, now: { clock.now })
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 1, handlerThreads: 2),
                                responder: fake, logger: Logger(label: "test"))
        try server.start()
        defer { server.shutdown(deadline: .seconds(1)) }
        let client = DashScopeClient(configuration: .init(baseURL: "http://127.0.0.1:\(server.port)/", apiKey: "sk-test"))

        let detection = try await client.detect(imageURL: "https://img.test/face.jpg")
        #expect(detection.passed && detection.faceBox == [102, 88, 410, 396] && detection.extBox == [40, 20, 480, 460])
        let noFace = try await client.detect(imageURL: "https://img.test/noface.jpg")
        #expect(!noFace.passed && noFace.errorCode == "InvalidFile.NoFace")

        let submitted = try await client.submit(GenerationRequest(imageURL: "https://img.test/face.jpg", drivenID: "mengwa_kaixin",
                                                                 faceBox: [1, 2, 3, 4], extBox: [0, 0, 5, 5]))
        #expect(submitted.status == "PENDING")
        var state = try await client.query(taskID: submitted.taskID)
        #expect(!state.isTerminal)
        clock.advance(2)
        state = try await client.query(taskID: submitted.taskID)
        #expect(state.succeeded)
        let videoURL = try #require(state.videoURL.flatMap(URL.init(string:)))
        let (data, response) = try await URLSession.shared.data(from: videoURL)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect([UInt8](data) == MockEmojiProvider.sampleVideo)

        let throttledClient = DashScopeClient(configuration: .init(baseURL: "http://127.0.0.1:\(server.port)", apiKey: "sk-test"),
                                           http: .shared)
        fake.update { $0.throttleRate = 1 }
        do {
            _ = try await throttledClient.query(taskID: submitted.taskID)
            Issue.record("expected a throttling error")
        } catch {
            #expect(error.status == 429 && error.isRetryable && error.providerCode == "Throttling.RateQuota")
        }
    }
}
