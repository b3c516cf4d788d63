import GalleyCore
import GalleyRedis
import GalleyHTTP
import GalleyStorage
import GalleyEmoji
import GalleyWebhooks


/// The contract's body for every answer: `{"code","message","data"}`, code 0 and
/// message "success" on success. Written straight to bytes, as it is on every request.
enum Envelope {
    private static let successPrefix = Array(#"{"code":0,"message":"success","data":"#.utf8)

    static func successBody(_ data: JSONValue) -> [UInt8] {
        var out = successPrefix
        out.reserveCapacity(successPrefix.count + 128)
        JSONWriter.write(data, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func errorBody(_ error: APIError) -> [UInt8] {
        JSONWriter.bytes(.object(JSONObject([
            ("code", .int(Int64(error.code))),
            ("message", .string(error.message)),
            ("data", error.data),
        ])))
    }

    /// 200 with `data` in the envelope.
    static func ok(_ data: JSONValue) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: successBody(data))
    }

    static func response(for error: APIError) -> HTTPResponse {
        HTTPResponse(status: error.status, headers: [("Content-Type", "application/json")] + error.headers,
                     body: errorBody(error))
    }
}
