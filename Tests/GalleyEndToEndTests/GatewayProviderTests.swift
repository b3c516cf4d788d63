import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyHTTP
@testable import GalleyRuntime
@testable import GalleyGateway
@testable import GalleyTesting
import GalleyTestSupport

/// The gateway with the real DashScope client pointed at a stand-in served from this
/// test (Galley's own HTTPServer): a face check that fails is 400101 with the
/// provider's message, an unusable answer 502102; plus 500000 for a bug (no details).
@Suite struct GatewayProviderTests {
    /// Answers the face-detect call by what the image URL asks for.
    struct FakeDashScope: HTTPResponder {
        func respond(to request: HTTPRequest) -> HTTPResponse {
            let url = (try? JSONParser.parse(request.body))?["input"]?["image_url"]?.stringValue ?? ""
            guard request.headers["Authorization"] == "Bearer fake-key" else {
                return HTTPResponse(status: 401, json: ["code": "InvalidApiKey", "message": "bad key"])
            }
            if url.contains("noface") {
                return HTTPResponse(status: 200, json: ["request_id": "r1", "output": ["code": "NoFace", "message": "No face detected"]])
            }
            if url.contains("badimage") {
                return HTTPResponse(status: 400, json: ["code": "InvalidParameter", "message": "Image too small"])
            }
            if url.contains("garbage") { return HTTPResponse(status: 200, json: ["output": ["nothing": true]]) }
            if url.contains("down") { return HTTPResponse(status: 503, text: "busy") }
            return HTTPResponse(status: 200, json: ["request_id": "r2", "output": ["bbox_face": [11, 22, 33, 44], "ext_bbox_face": [1, 2, 55, 66]]])
        }
    }

    @Test func providerAnswersMapToTheContractsCodes() async throws {
        Signals.ignoreSIGPIPE()
        let fake = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, threads: 1, handlerThreads: 2),
                              responder: FakeDashScope())
        try fake.start()
        defer { fake.shutdown(deadline: .seconds(1)) }
        let gateway = try await GatewayProcess.start(GatewayProcess.Options(redisDatabase: 14, environment: [
            "ALIYUN_EMOJI_MOCK": "false", "DASHSCOPE_API_KEY": "fake-key", "DASHSCOPE_BASE_URL": "http://127.0.0.1:\(fake.port)",
        ]))
        do {
            try await run(gateway)
        } catch {
            Issue.record("failed: \(error)\n\(gateway.logTail())")
        }
        await gateway.tearDown()
    }

    func create(_ gateway: GatewayProcess, _ token: String, _ url: String) async throws -> GatewayHTTPResponse {
        try await gateway.post("/api/v1/emoji/create", token: token, json: ["image_url": .string(url), "driven_id": "d"])
    }

    func run(_ gateway: GatewayProcess) async throws {
        let (token, userID) = try await gateway.login()
        try await gateway.fund(userID, 1000)

        let ok = try await create(gateway, token, "https://img.example/ok.jpg")
        #expect(ok.status == 200)
        let taskID = try #require(ok.data?["id"]?.int64Value)
        let stored = try await gateway.sql("SELECT detect_result::text AS d FROM emoji_tasks WHERE id = $1", [taskID])
        let detect = try JSONParser.parse(try #require(stored.first).decode(String.self, "d"))
        #expect(detect["face_bbox"] == [11, 22, 33, 44] && detect["ext_bbox"] == [1, 2, 55, 66])
        #expect(detect["raw"]?["request_id"] == "r2")

        let noFace = try await create(gateway, token, "https://img.example/noface.jpg")
        #expect(noFace.status == 400 && noFace.code == 400101 && noFace.message == "No face detected")
        let badImage = try await create(gateway, token, "https://img.example/badimage.jpg")
        #expect(badImage.status == 400 && badImage.code == 400101 && badImage.message == "Image too small")
        let garbage = try await create(gateway, token, "https://img.example/garbage.jpg")
        #expect(garbage.status == 502 && garbage.code == 502102)
        let down = try await create(gateway, token, "https://img.example/down.jpg")
        #expect(down.status == 502 && down.code == 502102)
        // Only the first create charged.
        #expect(try await gateway.get("/api/v1/points/balance", token: token).data == ["balance": 800])

        // A bug (here: a column the code expects is gone) is 500000 with nothing inside.
        _ = try await gateway.sql("ALTER TABLE orders RENAME COLUMN currency TO currency_renamed")
        let broken = try await gateway.get("/api/v1/order/list", token: token)
        _ = try await gateway.sql("ALTER TABLE orders RENAME COLUMN currency_renamed TO currency")
        #expect(broken.status == 500 && broken.code == 500000 && broken.message == "Internal Server Error")
        #expect(broken.data?.isNull == true)
        #expect(!broken.text.contains("currency") && !broken.text.lowercased().contains("select"))
        #expect(gateway.logTail().contains("unhandled error"))
        #expect(try await gateway.get("/api/v1/order/list", token: token).status == 200)
    }
}
