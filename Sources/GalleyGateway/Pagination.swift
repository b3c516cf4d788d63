import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyHTTP
import GalleyEmoji


/// `page` (≥ 1, default 1) and `page_size` (1–100, default 20) of the list routes, and
/// their `{"data":[...],"count":N}` answer.
struct Pagination: Sendable {
    let page: Int
    let pageSize: Int

    var limit: Int { pageSize }
    var offset: Int { (page - 1) * pageSize }

    init(query: [String: String]) throws(APIError) {
        var validation = Validation(query: query)
        page = validation.int("page", default: 1, in: 1...1_000_000)
        pageSize = validation.int("page_size", default: 20, in: 1...100)
        try validation.finish()
    }

    static func list(_ items: [JSONValue], count: Int) -> JSONValue {
        .object(JSONObject([("data", .array(items)), ("count", .int(Int64(count)))]))
    }
}
