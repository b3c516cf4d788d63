import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyGateway
import GalleyTestSupport

/// The pieces that make Galley's answers the original's bytes: pydantic's datetimes,
/// Python's JSON error offsets and messages, Python's `int()`, `json.dumps` escapes.
/// The expected values were seen on the wire from the original (FACTS.md).
struct GatewayAnswerFormatTests {
    @Test func datetimesAsPydanticWritesThem() {
        let micro = Date(timeIntervalSince1970: 1_796_160_389.524404)
        #expect(Timestamp.iso8601(micro) == "2026-12-01T21:26:29.524404Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_796_765_189)) == "2026-12-08T21:26:29Z")
        #expect(Timestamp.iso8601(Date(timeIntervalSince1970: 1_796_160_389.5)) == "2026-12-01T21:26:29.500000Z")
        #expect(Timestamp.iso8601(microsecondsSince1970: -1) == "1969-12-31T23:59:59.999999Z")
        // What PostgreSQL sends back lands on the same microsecond.
        let parsed = Timestamp.parse("2026-12-01 21:26:40.528131+00")
        #expect(parsed.map(Timestamp.iso8601) == "2026-12-01T21:26:40.528131Z")
    }

    @Test(arguments: [
        ("{", 1, "Expecting property name enclosed in double quotes"),
        ("{\"device_id\": ", 14, "Expecting value"),
        ("{\"product_type\": \"points_pack\"", 30, "Expecting ',' delimiter"),
        ("product_type=points_pack", 0, "Expecting value"),
        ("  ", 2, "Expecting value"),
        (" {\"a\":1} x", 9, "Extra data"),
        ("{\"a\":\"x\\q\"}", 7, "Invalid \\escape"),
        ("{\"a\":\"xé\u{01}\"}", 8, "Invalid control character at"),
        ("{\"a\":\"éx", 5, "Unterminated string starting at"),
        ("{\"a\":1.}", 6, "Expecting ',' delimiter"),
        ("{\"a\":\"\\u12\"}", 7, "Invalid \\uXXXX escape"),
        ("\"\\ud834\\u12", 8, "Invalid \\uXXXX escape"),
        ("\"\\ud834", 2, "Invalid \\uXXXX escape"),
        ("[1,", 3, "Expecting value"),
        ("{\"a\":1,", 7, "Expecting property name enclosed in double quotes"),
        ("{\"a\"", 4, "Expecting ':' delimiter"),
        ("1.5e", 3, "Extra data"),
        ("[01]", 2, "Expecting ',' delimiter"),
        ("{\"a\":tru}", 5, "Expecting value"),
    ])
    func jsonErrorsAsPythonReportsThem(document: String, position: Int, message: String) {
        #expect(PythonJSONError.locate(Array(document.unicodeScalars)) == PythonJSONError(position: position, message: message))
    }

    @Test func documentsPythonAcceptsAreNotErrors() {
        for document in ["{\"a\":NaN}", "[Infinity,-Infinity]", "\"\\ud800\"", "{\"a\":[1,{\"b\":null}]}"] {
            #expect(PythonJSONError.locate(Array(document.unicodeScalars)) == nil, "\(document)")
        }
    }

    @Test func integersAsPythonReadsThem() {
        #expect(PythonInt.parse(" 123 ") == 123)
        #expect(PythonInt.parse("+2") == 2)
        #expect(PythonInt.parse("-5") == -5)
        #expect(PythonInt.parse("1_0") == 10)
        for bad in ["", "1__0", "_1", "1_", "1.5", "abc", "1 2", "+", "\u{663}"] { #expect(PythonInt.parse(bad) == nil, "\(bad)") }
        #expect(PythonInt.parse("99999999999999999999") == nil)
        #expect(PythonInt.parse("99999999999999999999", saturating: true) == Int64.max)
        #expect(Validation.laxInteger("2.0") == 2 && Validation.laxInteger("2.") == 2 && Validation.laxInteger("1.5") == nil)
    }

    @Test func stringsEscapedAsJSONDumpsDoes() {
        #expect(JSONWriter.string("厨师 C 🍳\u{08}\u{0C}\n\u{01}\"\\") == #""厨师 C 🍳\b\f\n\u0001\"\\""#)
        #expect(JSONWriter.string(.double(3)) == "3.0")
        #expect(JSONWriter.string(.double(1e15)) == "1000000000000000.0")
        #expect(JSONWriter.string(.double(1e16)) == "1e+16")
    }

    @Test func decimalsAsPythonsDecimalReadsThem() {
        #expect(Validation.numericText("19.999") == "19.999")
        #expect(Validation.numericText("-1.5") == "-1.5")
        #expect(Validation.numericText("1_000.5") == "1000.5")
        #expect(Validation.numericText(".5") == ".5")
        #expect(Validation.numericText("1e3") == "1e3")
        for bad in ["abc", "", ".", "1e", "1_", "--1", "1.2.3", "NaN"] { #expect(Validation.numericText(bad) == nil, "\(bad)") }
    }

    @Test func routingAsStarletteDid() {
        let router = GatewayResponder.makeRouter()
        guard case .redirect(let path) = router.route(method: "GET", path: "/api/v1/config/") else {
            Issue.record("no redirect for a trailing slash")
            return
        }
        #expect(path == "/api/v1/config")
        guard case .redirect(let health) = router.route(method: "GET", path: "/api/v1/utils/health-check") else {
            Issue.record("no redirect to the slash form")
            return
        }
        #expect(health == "/api/v1/utils/health-check/")
        guard case .methodNotAllowed(let allowed) = router.route(method: "DELETE", path: "/api/v1/user/profile") else {
            Issue.record("DELETE /user/profile should be 405")
            return
        }
        #expect(allowed == ["GET"])
        guard case .notFound = router.route(method: "GET", path: "/api/v1/emoji/task/") else {
            Issue.record("/emoji/task/ should be 404")
            return
        }
        guard case .matched = router.route(method: "HEAD", path: "/api/v1/health") else {
            Issue.record("HEAD /api/v1/health should be served")
            return
        }
    }
}
