public import GalleyCore
import GalleyHTTP

/// What the fake DashScope has seen, so tests can assert "no task submitted twice".
/// Submissions are keyed by `image_url` (tests give every task its own image).
public struct FakeDashScopeStats: Sendable, Hashable {
    public var submitsTotal = 0
    public var queriesTotal = 0
    public var detectsTotal = 0
    public var downloadsTotal = 0
    public var throttledTotal = 0
    public var submitsByImage: [String: Int] = [:]

    public init() {}

    /// Images submitted more than once.
    public var duplicateSubmits: [String: Int] { submitsByImage.filter { $0.value > 1 } }

    public var json: JSONValue {
        .object(JSONObject([
            ("submits_total", .int(Int64(submitsTotal))),
            ("queries_total", .int(Int64(queriesTotal))),
            ("detects_total", .int(Int64(detectsTotal))),
            ("downloads_total", .int(Int64(downloadsTotal))),
            ("throttled_total", .int(Int64(throttledTotal))),
            ("distinct_images", .int(Int64(submitsByImage.count))),
            ("duplicate_submits", .object(JSONObject(duplicateSubmits.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int64($0.value))) }))),
            ("submits_by_image", .object(JSONObject(submitsByImage.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int64($0.value))) }))),
        ]))
    }

    public init(json: JSONValue) {
        submitsTotal = Int(json["submits_total"]?.int64Value ?? 0)
        queriesTotal = Int(json["queries_total"]?.int64Value ?? 0)
        detectsTotal = Int(json["detects_total"]?.int64Value ?? 0)
        downloadsTotal = Int(json["downloads_total"]?.int64Value ?? 0)
        throttledTotal = Int(json["throttled_total"]?.int64Value ?? 0)
        for entry in json["submits_by_image"]?.objectValue?.entries ?? [] {
            submitsByImage[entry.key] = Int(entry.value.int64Value ?? 0)
        }
    }
}
