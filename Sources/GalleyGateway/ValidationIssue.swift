import GalleyCore


/// One entry of a 422's `data.errors`, exactly as pydantic v2's came through FastAPI:
/// `{"type","loc","msg","input"}` plus `ctx` where pydantic gives one (no `url`).
struct ValidationIssue: Sendable, Equatable {
    var type: String
    var loc: [JSONValue]
    var msg: String
    /// The offending value as received: the raw string of a query or path parameter,
    /// the whole body object for a missing body field, null for a missing body.
    var input: JSONValue = .null
    var ctx: JSONValue? = nil

    var jsonValue: JSONValue {
        var object = JSONObject([("type", .string(type)), ("loc", .array(loc)), ("msg", .string(msg)), ("input", input)])
        if let ctx { object["ctx"] = ctx }
        return .object(object)
    }

    static func missing(_ loc: [JSONValue], input: JSONValue = .null) -> ValidationIssue {
        ValidationIssue(type: "missing", loc: loc, msg: "Field required", input: input)
    }
}
