import Foundation
import GalleyCore
import GalleyHTTP


/// `page` (≥ 1, default 1, no upper bound: past the end is an empty page) and
/// `page_size` (1–100, default 20) of the list routes, and their
/// `{"data":[...],"count":N}` answer.
struct Pagination: Sendable {
    let page: Int
    let pageSize: Int

    var limit: Int { pageSize }
    /// Saturates instead of overflowing: any page that far out is empty anyway.
    var offset: Int {
        let (product, overflow) = (page - 1).multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : product
    }

    init(query: [String: String]) throws(APIError) {
        var validation = Validation(query: query)
        page = validation.int("page", default: 1, in: 1...Int.max)
        pageSize = validation.int("page_size", default: 20, in: 1...100)
        try validation.finish()
    }

    init(request: HTTPRequest) throws(APIError) {
        try self.init(query: Pagination.queryParameters(request.rawQuery))
    }

    /// The parameters as Starlette read them: percent-decoded, `+` as space, blank
    /// values kept, and a repeated name counts with its **last** value.
    static func queryParameters(_ rawQuery: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            result[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    static func list(_ items: [JSONValue], count: Int) -> JSONValue {
        .object(JSONObject([("data", .array(items)), ("count", .int(Int64(count)))]))
    }
}
