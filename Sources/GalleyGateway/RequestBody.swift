import GalleyCore
import GalleyHTTP

/// A JSON route's body as FastAPI held it before the route's dependencies (auth) ran.
///
/// FastAPI decoded a JSON body first, so broken JSON is a 422 even without a token;
/// an empty body, `null` or a wrong shape only count at field validation, after auth.
enum RequestBody {
    /// No bytes at all.
    case absent
    case json(JSONValue)
    /// A content type that is not JSON: FastAPI handed the bytes to validation as they were.
    case raw(String)

    /// Decodes the body the way FastAPI 0.115 did: JSON when the content type is absent,
    /// `application/json` or `application/*+json`; `json_invalid` with Python's offset
    /// and message when it does not parse; 400 when it is not text.
    static func decode(_ request: HTTPRequest) throws(APIError) -> RequestBody {
        guard !request.body.isEmpty else { return .absent }
        if let contentType = request.headers["Content-Type"], !contentType.isEmpty, !isJSONContentType(contentType) {
            return .raw(String(decoding: request.body, as: UTF8.self))
        }
        var bytes = request.body
        // Python reads a UTF-8 byte order mark as part of the encoding, not the document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        do {
            return .json(try JSONParser.parse(bytes))
        } catch {
            if error.kind == .tooLarge { throw .bodyTooLarge }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .unreadableBody }
            let scalars = Array(text.unicodeScalars)
            let located = PythonJSONError.locate(scalars)
                ?? PythonJSONError(position: characterOffset(ofByte: error.offset, in: bytes), message: error.reason)
            throw .validation([ValidationIssue(
                type: "json_invalid", loc: ["body", .int(Int64(located.position))], msg: "JSON decode error",
                input: .object(JSONObject()), ctx: ["error": .string(located.message)])])
        }
    }

    /// `application/json` or any `application/*+json`, parameters ignored (FastAPI's rule).
    static func isJSONContentType(_ header: String) -> Bool {
        let type = header.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingWhitespace().lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// Characters before byte `offset` of UTF-8 `bytes` (continuation bytes do not count).
    static func characterOffset(ofByte offset: Int, in bytes: [UInt8]) -> Int {
        bytes.prefix(offset).reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    /// What pydantic saw as the body's value: nil when there was none (or JSON `null`).
    var value: JSONValue? {
        switch self {
        case .absent: return Optional<JSONValue>.none
        case .json(let value): return value.isNull ? Optional<JSONValue>.none : Optional(value)
        case .raw(let text): return .string(text)
        }
    }
}
