import Testing
@testable import GalleyCore
@testable import GalleyHTTP
import GalleyTestSupport

@Suite struct HTTPParsingTests {
    @Test func headersAreOrderedAndCaseInsensitive() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-TYPE"] == "text/plain")
        #expect(headers["X-a"] == "1")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        #expect(headers.map(\.name) == ["Content-Type", "X-A", "x-a"])
        #expect(!headers.contains("Content-Typ"))
        #expect(!HTTPHeaders.sameName("a[", "A{"))
    }

    @Test func queryDecodingFollowsFormRules() {
        #expect(HTTPQuery.parse(Array("a=1&b=x%20y&c=+z".utf8)) == ["a": "1", "b": "x y", "c": " z"])
        #expect(HTTPQuery.parse(Array("a=1&a=2&&=v&k&e=".utf8)) == ["a": "1", "k": "", "e": ""])
        #expect(HTTPQuery.parse(Array("p=%e4%bd%A0%2B%&q=%4".utf8)) == ["p": "你+%", "q": "%4"])
        #expect(HTTPQuery.parse(Array("x=%FF%00".utf8)) == ["x": "\u{FFFD}\u{0}"])
        #expect(HTTPQuery.parse(Array("a%3Db=c%26d".utf8)) == ["a=b": "c&d"])
        #expect(HTTPQuery.parse([]) == [:])
    }

    @Test func requestInitParsesItsRawQuery() {
        let request = HTTPRequest(method: "GET", path: "/", rawQuery: "page=2&size=10")
        #expect(request.query == ["page": "2", "size": "10"])
    }

    @Test func responseConveniences() {
        let text = HTTPResponse(status: 201, text: "hi")
        #expect(text.header("content-type") == "text/plain; charset=utf-8")
        #expect(text.body == Array("hi".utf8))
        let json = HTTPResponse(json: .object(["code": 0]))
        #expect(json.status == 200)
        #expect(json.body == Array(#"{"code":0}"#.utf8))
    }
}
