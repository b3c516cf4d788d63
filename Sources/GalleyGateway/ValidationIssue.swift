import GalleyCore
import GalleyHTTP
import GalleyStorage
import GalleyWebhooks


/// One entry of a 422's `data.errors`, shaped like pydantic v2's as FastAPI sent them:
/// `{"type","loc","msg"}` (plus `ctx` where pydantic gives one).
struct ValidationIssue: Sendable, Equatable {
    var type: String
    var loc: [JSONValue]
    var msg: String
    var ctx: JSONValue? = nil

    var jsonValue: JSONValue {
        var object = JSONObject([("type", .string(type)), ("loc", .array(loc)), ("msg", .string(msg))])
        if let ctx { object["ctx"] = ctx }
        return .object(object)
    }

    static func missing(_ loc: [JSONValue]) -> ValidationIssue {
        ValidationIssue(type: "missing", loc: loc, msg: "Field required")
    }
}
