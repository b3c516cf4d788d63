import GalleyCore
import GalleyStorage
import GalleyRuntime
import GalleyEmoji


/// Face detection for `/emoji/detect` and for `/emoji/create` without boxes, through the
/// configured provider (DashScope, or the mock when `ALIYUN_EMOJI_MOCK` is on).
enum FaceDetector {
    static func detect(imageURL: String, provider: any EmojiProvider) throws -> FaceDetection {
        try AsyncBridge.wait { () async throws -> FaceDetection in
            try await provider.detect(imageURL: imageURL)
        }
    }

    /// `{"face_bbox","ext_bbox","raw"}`: what a task keeps of its detection.
    static func detectResult(faceBox: [Int]?, extBox: [Int]?, raw: JSONValue?) -> JSONValue {
        .object(JSONObject([
            ("face_bbox", JSONValue(faceBox) { .array($0.map { .int(Int64($0)) }) }),
            ("ext_bbox", JSONValue(extBox) { .array($0.map { .int(Int64($0)) }) }),
            ("raw", raw ?? .null),
        ]))
    }
}
