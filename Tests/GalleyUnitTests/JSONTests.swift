import Testing
@testable import GalleyCore
import GalleyTestSupport

@Suite struct JSONTests {
    @Test func roundTripsNestedDocument() throws {
        let text = #"{"a":[1,-2,3.5,true,false,null],"b":{"c":"d\n\"e\"\u00e9"},"big":1234567890123456789}"#
        let value = try JSONParser.parse(text)
        #expect(value["big"]?.int64Value == 1_234_567_890_123_456_789)
        #expect(value["b"]?["c"]?.stringValue == "d\n\"e\"é")
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "nul", "{} x", "\"\u{01}\"", "\"\\ud800\""])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func keepsKeyOrderAndLastDuplicateWins() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"z":3}"#)
        #expect(value["z"] == .int(3))
        #expect(JSONWriter.string(["code": 0, "message": "success", "data": nil]) == #"{"code":0,"message":"success","data":null}"#)
    }
}

@Suite struct TimestampTests {
    @Test func formatsWithMillisecondsAndZ() {
        #expect(Timestamp.iso8601(millisecondsSince1970: 1_795_253_400_123) == "2026-11-21T09:30:00.123Z")
        #expect(Timestamp.iso8601(millisecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
    }

    @Test func parsesPostgresAndISOForms() throws {
        let expected = 1_795_253_400.123
        for text in ["2026-11-21T09:30:00.123Z", "2026-11-21 09:30:00.123+00", "2026-11-21 11:30:00.123+02:00", "2026-11-21T09:30:00.123000+0000"] {
            let date = try #require(Timestamp.parse(text), "\(text)")
            #expect(abs(date.timeIntervalSince1970 - expected) < 0.0005, "\(text)")
        }
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
