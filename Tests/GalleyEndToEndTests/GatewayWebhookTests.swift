import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
@testable import GalleyGateway
import GalleyTestSupport

/// `POST /subscription/webhook` end to end: the secret, the few 4xx a retry cannot fix,
/// storage of the raw event before the 200, the stream entry, duplicates.
@Suite(.gateway(redisDatabase: 12, environment: ["REVENUECAT_WEBHOOK_SECRET": "whsec_test_123"]))
struct GatewayWebhookTests {
    static let path = "/api/v1/subscription/webhook"

    static func event(_ id: String, type: String = "INITIAL_PURCHASE", appUserID: JSONValue = "user-1") -> JSONValue {
        ["api_version": "1.0", "event": [
            "id": .string(id), "type": .string(type), "app_user_id": appUserID, "product_id": "weekly_001",
            "event_timestamp_ms": 1_790_000_000_123, "environment": "SANDBOX", "aliases": ["$RCAnonymousID:abc"],
        ]]
    }

    func send(_ body: JSONValue, authorization: String? = "whsec_test_123") async throws -> GatewayHTTPResponse {
        let gateway = try GatewayProcess.shared
        return try await gateway.post(Self.path, json: body, headers: authorization.map { [("Authorization", $0)] } ?? [])
    }

    @Test func theSecretIsCheckedRawOrBearer() async throws {
        let body = Self.event(TestEnvironment.uniqueName("evt"))
        for bad: String? in [nil, "", "wrong", "Bearer wrong", "whsec_test_12", "whsec_test_1234", "Basic whsec_test_123"] {
            let response = try await send(body, authorization: bad)
            #expect(response.status == 401 && response.code == 401001, "\(bad ?? "none")")
            #expect(response.message == "Unauthorized")
        }
        #expect(try await send(Self.event(TestEnvironment.uniqueName("evt")), authorization: "whsec_test_123").data == ["received": true])
        #expect(try await send(Self.event(TestEnvironment.uniqueName("evt")), authorization: "Bearer whsec_test_123").data == ["received": true])
    }

    @Test func onlyUnfixableBodiesAre4xx() async throws {
        let gateway = try GatewayProcess.shared
        let auth = [("Authorization", "whsec_test_123"), ("Content-Type", "application/json")]
        // The body is read as a JSON object first (FastAPI's 422s), as the original did.
        let notJSON = try await gateway.request("POST", Self.path, headers: auth, body: Array("{not json".utf8))
        #expect(notJSON.status == 422 && notJSON.code == 422000)
        #expect(notJSON.data?["errors"]?.arrayValue?.first?["type"] == "json_invalid")
        #expect(try await send(["api_version": "1.0"]).code == 400001)
        #expect(try await send(["event": "TEST"]).code == 400001)
        let array = try await send([1, 2])
        #expect(array.status == 422 && array.data?["errors"]?.arrayValue?.first?["type"] == "dict_type")
        let noID = try await send(["event": ["type": "TEST"]])
        #expect(noID.status == 400 && noID.code == 400002 && noID.message == "Missing event id/type")
        #expect(try await send(["event": ["id": "x"]]).code == 400002)
        #expect(try await send(["event": ["id": "", "type": "TEST"]]).code == 400002)

        // Anything else is stored and answered 200: the worker decides.
        for (id, type, user): (String, String, JSONValue) in [
            (TestEnvironment.uniqueName("evt"), "TEST", "user-1"),
            (TestEnvironment.uniqueName("evt"), "SOMETHING_NEW", "user-1"),
            (TestEnvironment.uniqueName("evt"), "RENEWAL", "$RCAnonymousID:123"),
            (TestEnvironment.uniqueName("evt"), "INITIAL_PURCHASE", nil),
        ] {
            let response = try await send(Self.event(id, type: type, appUserID: user))
            #expect(response.status == 200 && response.data == ["received": true], "\(type)")
            let rows = try await gateway.sql("SELECT event_type, status FROM revenuecat_events WHERE event_id = $1", [id])
            #expect(try rows.first?.decode(String.self, "event_type") == type)
            #expect(try rows.first?.decode(String.self, "status") == "received")
        }
    }

    @Test func theRawEventIsStoredAndEnqueuedOnceBeforeThe200() async throws {
        let gateway = try GatewayProcess.shared
        let id = TestEnvironment.uniqueName("evt")
        let body = Self.event(id, appUserID: "app-user-42")
        let first = try await send(body)
        #expect(first.status == 200 && first.data == ["received": true])
        let rows = try await gateway.sql("""
            SELECT event_type, status, app_user_id, event_timestamp_ms, payload::text AS payload
            FROM revenuecat_events WHERE event_id = $1
            """, [id])
        let row = try #require(rows.first)
        #expect(try row.decode(String.self, "event_type") == "INITIAL_PURCHASE")
        #expect(try row.decode(String.self, "app_user_id") == "app-user-42")
        #expect(try row.decode(Int64.self, "event_timestamp_ms") == 1_790_000_000_123)
        #expect(try JSONParser.parse(try row.decode(String.self, "payload")) == body)
        #expect(try await gateway.waitForStream([id], "webhook_events", field: "event_id").filter { $0 == id }.count == 1)

        let again = try await send(body)
        #expect(again.status == 200 && again.data == ["received": true, "duplicate": true])
        #expect(try await gateway.sql("SELECT 1 FROM revenuecat_events WHERE event_id = $1", [id]).count == 1)
        #expect(try await gateway.streamTaskIDs("webhook_events", field: "event_id").filter { $0 == id }.count == 1)
    }

    @Test func concurrentDeliveriesOfOneEventStoreItOnce() async throws {
        let gateway = try GatewayProcess.shared
        let id = TestEnvironment.uniqueName("evt")
        let port = gateway.port
        let body = JSONWriter.bytes(Self.event(id))
        let results = await concurrently(20) { _ in
            try GatewayHTTPClient.request(port: port, method: "POST", path: Self.path,
                                          headers: [("Content-Type", "application/json"), ("Authorization", "whsec_test_123")],
                                          body: body)
        }
        let responses = results.compactMap { try? $0.get() }
        #expect(responses.count == 20 && responses.allSatisfy { $0.status == 200 })
        #expect(responses.filter { $0.data == ["received": true] }.count == 1)
        #expect(responses.filter { $0.data == ["received": true, "duplicate": true] }.count == 19)
        #expect(try await gateway.sql("SELECT 1 FROM revenuecat_events WHERE event_id = $1", [id]).count == 1)
        #expect(try await gateway.waitForStream([id], "webhook_events", field: "event_id").filter { $0 == id }.count == 1)
    }
}
