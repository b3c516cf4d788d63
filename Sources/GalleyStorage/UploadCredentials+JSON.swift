public import GalleyCore

/// The contract's `data` of `POST /emoji/upload`, built here so every backend answers
/// the same shape: `{"object_key","image_url","upload":{...},"expires_at"}`.
extension UploadCredentials {
    public var jsonValue: JSONValue {
        func object(_ dictionary: [String: String]) -> JSONValue {
            .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))
        }
        return .object(JSONObject([
            ("object_key", .string(objectKey)),
            ("image_url", .string(imageURL)),
            ("upload", .object(JSONObject([
                ("method", .string(method)),
                ("url", .string(url)),
                ("headers", object(headers)),
                ("fields", object(fields)),
            ]))),
            ("expires_at", .string(Timestamp.iso8601(expiresAt))),
        ]))
    }
}
