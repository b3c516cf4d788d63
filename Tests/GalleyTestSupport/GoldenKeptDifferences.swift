import Foundation
import GalleyCore

/// What Galley answers where it deliberately differs from a golden recording. Each
/// rule names its entry in `docs/api.md` ("Deliberate differences"); the golden test
/// checks the kept behaviour instead of skipping the case.
package enum GoldenKeptDifferences {
    package enum Expectation {
        /// An exact answer, compared like a recording.
        case exact(GoldenFixtures.Answer, reason: String)
        /// A looser check (pages, documents, answers with fresh ids); returns the problems.
        case check(reason: String, @Sendable (GatewayHTTPResponse) -> [String])
    }

    /// nil: Galley must give the recorded answer.
    package static func expectation(for golden: GoldenFixtures.Case, fixtures: GoldenFixtures, now: Date) -> Expectation? {
        let recorded = golden.expected
        switch golden.name {
        case "openapi", "openapi.unprefixed":
            return .check(reason: "D3 Galley's own OpenAPI document") { response in
                var problems = expect(response, status: 200, contentType: "application/json")
                guard let document = response.json, document["openapi"]?.stringValue == "3.1.0",
                      let paths = document["paths"]?.objectValue else { return problems + ["not an OpenAPI 3.1 document"] }
                // Every route of the original is documented (the original's own document lists them).
                for path in originalPaths() where paths[path] == nil { problems.append("route \(path) not documented") }
                return problems
            }
        case "docs", "redoc":
            let title = fixtures.projectName + (golden.name == "docs" ? " - Swagger UI" : " - ReDoc")
            return .check(reason: "D3 offline pages titled as the original's") { response in
                var problems = expect(response, status: 200, contentType: "text/html")
                if !response.text.contains("<title>\(title)</title>") { problems.append("title \(title) missing") }
                if response.text.contains("https://") || response.text.contains("http://") {
                    problems.append("the page loads something from the network")
                }
                return problems
            }
        case "docs.oauth2_redirect":
            return .check(reason: "D3 offline pages") { expect($0, status: 200, contentType: "text/html") }
        case "auth.refresh.absent_in_original":
            return .check(reason: "D2 route the contract adds") { response in
                expect(response, status: 200, contentType: "application/json", code: 0)
                    + (response.data?["access_token"]?.stringValue == nil ? ["no access_token"] : [])
            }
        case "emoji.upload.absent_in_original":
            return .check(reason: "D2 route the contract adds") { response in
                expect(response, status: 200, contentType: "application/json", code: 0)
                    + (response.data?["upload"]?["method"]?.stringValue == nil ? ["no upload.method"] : [])
            }
        case "health.absent_in_original":
            return .exact(envelope(200, code: 0, message: "success", data: ["status": "ok"]), reason: "D2 Galley's probe")
        case "ready.absent_in_original":
            return .exact(envelope(200, code: 0, message: "success", data: ["status": "ready", "postgres": "ok", "redis": "ok"]),
                          reason: "D2 Galley's probe")
        case "metrics.absent_in_original":
            return .check(reason: "D2 Galley's metrics") { response in
                expect(response, status: 200, contentType: "text/plain") + (response.text.contains("# TYPE") ? [] : ["not Prometheus text"])
            }
        case "auth.no_exp_claim":
            return .exact(envelope(401, code: 401000, message: "Could not validate credentials"), reason: "D4 exp is required")
        case "webhook.missing_app_user_id", "webhook.invalid_app_user_id", "webhook.missing_product_id",
             "webhook.points_missing_transaction_id":
            return .exact(envelope(200, code: 0, message: "success", data: ["received": true]),
                          reason: "D5 webhook stored, the worker decides")
        case "transactions.a.page_huge":
            return .exact(envelope(200, code: 0, message: "success", data: ["data": [], "count": 6]),
                          reason: "D6 a page past the end, not a crash")
        case "task.too_big_for_bigint":
            return .exact(envelope(404, code: 404101, message: "Task not found"), reason: "D6 no such task, not a crash")
        case "order.create.text_plain_ct", "login.form_encoded":
            let text = String(decoding: golden.body ?? [], as: UTF8.self)
            return .exact(validation([["type": "model_attributes_type", "loc": ["body"],
                                       "msg": "Input should be a valid dictionary or object to extract fields from",
                                       "input": .string(text)]]),
                          reason: "D6 a body that is not JSON is a 422, not a crash")
        case "order.create.amount_overflow":
            return .exact(validation([["type": "decimal_whole_digits", "loc": ["body", "amount"],
                                       "msg": "Decimal input should have no more than 8 digits before the decimal point",
                                       "input": "123456789012", "ctx": ["whole_digits": 8]]]),
                          reason: "D6 an amount NUMERIC(10,2) cannot hold is a 422, not a crash")
        case "order.create.amount_nan":
            return .check(reason: "D6 NaN is refused as JSON, not a crash") { response in
                var problems = expect(response, status: 422, contentType: "application/json", code: 422000)
                if response.data?["errors"]?.arrayValue?.first?["type"]?.stringValue != "json_invalid" {
                    problems.append("expected a json_invalid item")
                }
                return problems
            }
        case "detect.valid_png_storage_unconfigured":
            // The original ran without storage. Galley without OSS_* stores locally (D7)
            // unless its storage is unconfigured too, and then answers like the original.
            return .check(reason: "D7 local storage when OSS is not configured") { response in
                if response.status == 500 {
                    return GoldenComparison.problems(expected: recorded, got: response, method: golden.method)
                }
                var problems = expect(response, status: 200, contentType: "application/json", code: 0)
                if response.data?["image_url"]?.stringValue == nil || response.data?["passed"]?.boolValue == nil {
                    problems.append("not a detect result")
                }
                return problems
            }
        default:
            break
        }
        // D1: the original's bare Starlette answers become the envelope, same status and Allow.
        if let object = recorded.json?.objectValue, object.count == 1, let detail = object["detail"]?.stringValue {
            var answer = envelope(recorded.status, code: recorded.status * 1000, message: detail)
            answer.headers = recorded.headers
            return .exact(answer, reason: "D1 envelope instead of FastAPI's bare detail")
        }
        // D8: a dated VIP whose date has passed is not VIP any more, even before EXPIRATION arrives.
        if let json = recorded.json, let adjusted = expiredVIP(json, now: now), adjusted != json {
            var answer = recorded
            answer.json = adjusted
            return .exact(answer, reason: "D8 VIP ends at vip_expire_time")
        }
        return nil
    }

    // MARK: - Helpers

    package static func envelope(_ status: Int, code: Int, message: String, data: JSONValue = .null) -> GoldenFixtures.Answer {
        GoldenFixtures.Answer(
            status: status, headers: ["content-type": "application/json"],
            json: .object(JSONObject([("code", .int(Int64(code))), ("message", .string(message)), ("data", data)])),
            text: "", volatile: [])
    }

    package static func validation(_ errors: [JSONValue]) -> GoldenFixtures.Answer {
        envelope(422, code: 422000, message: "Validation error", data: ["errors": .array(errors)])
    }

    package static func expect(_ response: GatewayHTTPResponse, status: Int, contentType: String, code: Int? = nil) -> [String] {
        var problems: [String] = []
        if response.status != status { problems.append("status: expected \(status), got \(response.status)") }
        if !(response.header("Content-Type") ?? "").hasPrefix(contentType) {
            problems.append("content-type: expected \(contentType), got \(response.header("Content-Type") ?? "none")")
        }
        if let code, response.code != code { problems.append("code: expected \(code), got \(response.code.map(String.init) ?? "none")") }
        return problems
    }

    /// Paths of the original's OpenAPI document (`openapi.original.json`).
    package static func originalPaths() -> [String] {
        let url = GoldenFixtures.directory.appendingPathComponent("openapi.original.json")
        guard let data = try? Data(contentsOf: url), let document = try? JSONParser.parse(Array(data)) else { return ["<unreadable>"] }
        return document["paths"]?.objectValue?.keys ?? []
    }

    /// The answer with `is_vip` false wherever a weekly VIP's `vip_expire_time` is past.
    package static func expiredVIP(_ value: JSONValue, now: Date) -> JSONValue? {
        switch value {
        case .object(var object):
            if object["is_vip"] == .bool(true), object["vip_type"] != .string("lifetime"),
               let expiry = object["vip_expire_time"]?.stringValue.flatMap(Timestamp.parse), expiry <= now {
                object["is_vip"] = .bool(false)
            }
            for entry in object.entries {
                if let inner = expiredVIP(entry.value, now: now) { object[entry.key] = inner }
            }
            return .object(object)
        case .array(let items):
            return .array(items.map { expiredVIP($0, now: now) ?? $0 })
        default:
            return value
        }
    }
}
