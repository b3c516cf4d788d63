import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
import GalleyTestSupport

@Suite struct PostgresCodingTests {
    let connection: PostgresConnection

    init() throws {
        connection = try PostgresConnection(configuration: .testStack())
    }

    /// Sends `value` as `$1::type` and decodes what the server prints back.
    private func roundTrip<T: PostgresEncodable & PostgresDecodable>(_ value: T, _ type: String) throws -> T {
        let row = try #require(try connection.query("SELECT $1::\(type) AS v", [value]).first)
        return try row.decode(T.self, "v")
    }

    @Test(arguments: [0, 1, -1, Int.max, Int.min])
    func int(_ value: Int) throws { #expect(try roundTrip(value, "int8") == value) }

    @Test(arguments: [Int32(0), Int32.max, Int32.min])
    func int32(_ value: Int32) throws { #expect(try roundTrip(value, "int4") == value) }

    @Test(arguments: [Int64(0), Int64.max, Int64.min, 1_234_567_890_123_456_789])
    func int64(_ value: Int64) throws { #expect(try roundTrip(value, "int8") == value) }

    @Test(arguments: ["", "plain", "it's \"quoted\" \\ back,slash {}", "héllo 🍜 中文 e\u{301}", "line\nbreak\ttab"])
    func string(_ value: String) throws {
        #expect(try roundTrip(value, "text") == value)
        #expect(try roundTrip(value, "varchar(255)") == value)
    }

    @Test func bool() throws {
        #expect(try roundTrip(true, "bool") == true)
        #expect(try roundTrip(false, "bool") == false)
    }

    @Test(arguments: [0.0, 0.1, -2.5e-300, 1.7976931348623157e308, 123456.789, .infinity, -.infinity])
    func double(_ value: Double) throws { #expect(try roundTrip(value, "float8") == value) }

    @Test func doubleNaN() throws { #expect(try roundTrip(Double.nan, "float8").isNaN) }

    @Test func date() throws {
        let instants = [
            Date(timeIntervalSince1970: 1_795_000_000.123),
            Date(timeIntervalSince1970: 1_795_000_000.123456),
            Date(timeIntervalSince1970: 0),
            Date(timeIntervalSince1970: -86_400.5),
        ]
        for instant in instants {
            let back = try roundTrip(instant, "timestamptz")
            #expect(abs(back.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)
            // Written again, it is the same instant to the microsecond.
            #expect(back.postgresText == instant.postgresText)
        }
    }

    @Test func dateFromServerText() throws {
        let row = try #require(try connection.query("SELECT '2026-11-21 09:30:00.123+00'::timestamptz AS t").first)
        #expect(row.values[0] == "2026-11-21 09:30:00.123+00")
        let date = try row.decode(Date.self, "t")
        #expect(Timestamp.iso8601(date) == "2026-11-21T09:30:00.123000Z")
        #expect(date.postgresText == "2026-11-21T09:30:00.123000Z")
    }

    @Test func numericDecodesAsExactString() throws {
        let row = try #require(try connection.query("SELECT 9.99::numeric(10,2) AS price, $1::numeric AS bound", ["19.90"]).first)
        #expect(try row.decode(String.self, "price") == "9.99")
        #expect(try row.decode(String.self, "bound") == "19.90")
    }

    @Test func nullsBothWays() throws {
        let row = try #require(try connection.query(
            "SELECT $1::int8 AS i, $2::text AS s, $3::bool AS b, $4::timestamptz AS d, $5::jsonb AS j, $6::int8[] AS a",
            [Int64?.none, String?.none, Bool?.none, Date?.none, JSONValue?.none, [Int64]?.none]
        ).first)
        #expect(row.values.allSatisfy { $0 == nil })
        #expect(try row.decode(Int64?.self, "i") == nil)
        #expect(try row.decode(String?.self, "s") == nil)
        #expect(try row.decode(Bool?.self, "b") == nil)
        #expect(try row.decode(Date?.self, "d") == nil)
        #expect(try row.decode(JSONValue?.self, "j") == nil)
        #expect(try row.decode([Int64]?.self, "a") == nil)
        #expect(throws: PostgresError.unexpectedNull) { try row.decode(Int64.self, "i") }
        // Optionals holding a value decode it; an empty string is not NULL.
        let some = try #require(try connection.query("SELECT $1::int4 AS i, $2::text AS s", [Int32?.some(7), String?.some("")]).first)
        #expect(try some.decode(Int32?.self, "i") == 7)
        #expect(try some.decode(String?.self, "s") == "")
    }

    @Test func int64Arrays() throws {
        #expect(try roundTrip([Int64](), "int8[]") == [])
        #expect(try roundTrip([1, -2, Int64.max, Int64.min], "int8[]") == [1, -2, Int64.max, Int64.min])
        let row = try #require(try connection.query("SELECT $1::int8 = ANY($2::int8[]) AS hit", [Int64(5), [Int64(4), 5]]).first)
        #expect(try row.decode(Bool.self, "hit"))
    }

    @Test func stringArraysWithAwkwardCharacters() throws {
        let values = ["", "plain", "with space", "com,ma", "quo\"te", "back\\slash", "{braces}", "NULL", "null", "é🍜", " pad "]
        #expect(try roundTrip(values, "text[]") == values)
        // Elements arrive intact server-side, not just back again.
        let row = try #require(try connection.query(
            "SELECT array_length($1::text[], 1) AS n, ($1::text[])[5] AS quote, ($1::text[])[8] IS NULL AS is_null",
            [values]).first)
        #expect(try row.decode(Int.self, "n") == values.count)
        #expect(try row.decode(String.self, "quote") == "quo\"te")
        #expect(try row.decode(Bool.self, "is_null") == false)
    }

    @Test func arrayWithNullElementDoesNotDecodeIntoNonOptionalElements() throws {
        let row = try #require(try connection.query("SELECT ARRAY['a', NULL]::text[] AS a").first)
        #expect(throws: PostgresError.badFormat) { try row.decode([String].self, "a") }
    }

    @Test func arrayLiteralParser() {
        #expect(PostgresArrayLiteral.parse("{}") == [])
        #expect(PostgresArrayLiteral.parse("{a,NULL,\"NULL\",\" b \"}") == ["a", nil, "NULL", " b "])
        #expect(PostgresArrayLiteral.parse("[0:1]={1,2}") == ["1", "2"])
        for bad in ["", "{", "{a", "{\"a}", "{{1,2}}", "{a,}", "{a}x", "a"] {
            #expect(PostgresArrayLiteral.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func jsonIntoJsonbAndBack() throws {
        // jsonb orders keys (shorter first), so the document is written in that order.
        let document: JSONValue = [
            "a": 1, "id": .int(1_234_567_890_123_456_789), "ok": true, "nil": nil, "half": 0.5,
            "list": [1, "two", ["three": 3]], "text": "é \"q\" \\ 🍜",
        ]
        #expect(try roundTrip(document, "jsonb") == document)
        #expect(try roundTrip(document, "json") == document)
        let row = try #require(try connection.query("SELECT ($1::jsonb)->>'text' AS t", [document]).first)
        #expect(try row.decode(String.self, "t") == "é \"q\" \\ 🍜")
    }

    @Test func decodingErrorsAreClear() throws {
        let row = try #require(try connection.query("SELECT 'abc'::text AS word, 3000000000::int8 AS big").first)
        #expect(throws: PostgresError.missingColumn) { try row.decode(String.self, "nope") }
        #expect(throws: PostgresError.missingColumn) { try row.decode(String.self, at: 9) }
        #expect(throws: PostgresError.badFormat) { try row.decode(Int.self, "word") }
        #expect(throws: PostgresError.badFormat) { try row.decode(Int32.self, "big") }
        #expect(throws: PostgresError.badFormat) { try row.decode(Date.self, "word") }
        #expect(throws: PostgresError.badFormat) { try row.decode(JSONValue.self, "word") }
        do {
            _ = try row.decode(Int.self, "word")
        } catch let error as PostgresError {
            #expect(!"\(error)".contains("abc"))
            #expect(error.debugDescription.contains("word"))
        }
    }

    @Test func nulByteInBindIsRefused() throws {
        #expect(throws: PostgresError.invalidBind) { try connection.query("SELECT $1::text", ["a\u{0}b"]) }
        #expect(try connection.query("SELECT 1").rows.count == 1)
    }
}
