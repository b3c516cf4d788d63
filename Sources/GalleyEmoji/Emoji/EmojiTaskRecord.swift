public import Foundation
public import GalleyCore
import GalleyPostgres
import GalleyRedis
import GalleyStorage
import GalleyRuntime
import GalleyLedger

/// The parts of an `emoji_tasks` row the worker needs. The row is the truth; the
/// stream entry only says which row to look at.
public struct EmojiTaskRecord: Sendable, Hashable {
    public var id: Int64
    public var userID: Int64
    public var status: String
    public var pointsCost: Int
    public var sourceImageURL: String
    public var drivenID: String
    /// `{"face_bbox", "ext_bbox", "raw"}` as the gateway stored it.
    public var detectResult: JSONValue?
    /// DashScope's task id once submitted: its presence means "poll, never submit again".
    public var providerTaskID: String?
    public var providerStatus: String?
    public var submittedAt: Date?
    public var createdAt: Date

    public init(id: Int64, userID: Int64, status: String, pointsCost: Int, sourceImageURL: String, drivenID: String,
                detectResult: JSONValue?, providerTaskID: String?, providerStatus: String?, submittedAt: Date?, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.status = status
        self.pointsCost = pointsCost
        self.sourceImageURL = sourceImageURL
        self.drivenID = drivenID
        self.detectResult = detectResult
        self.providerTaskID = providerTaskID
        self.providerStatus = providerStatus
        self.submittedAt = submittedAt
        self.createdAt = createdAt
    }

    /// The statuses after which nothing happens to a task.
    public static let terminalStatuses: Set<String> = ["completed", "failed"]

    public var faceBox: [Int]? { EmojiTaskRecord.box(detectResult?["face_bbox"]) }
    public var extBox: [Int]? { EmojiTaskRecord.box(detectResult?["ext_bbox"]) }

    /// What DashScope is asked to generate, or nil when the row lacks the face boxes.
    public var generationRequest: GenerationRequest? {
        guard let faceBox, let extBox, !sourceImageURL.isEmpty, !drivenID.isEmpty else { return nil }
        return GenerationRequest(imageURL: sourceImageURL, drivenID: drivenID, faceBox: faceBox, extBox: extBox)
    }

    static func box(_ value: JSONValue?) -> [Int]? {
        guard let items = value?.arrayValue, items.count == 4 else { return nil }
        let numbers = items.compactMap { item -> Int? in
            if let whole = item.int64Value { return Int(whole) }
            if let real = item.doubleValue, real.isFinite, abs(real) < 1e9 { return Int(real.rounded()) }
            return nil
        }
        return numbers.count == 4 ? numbers : nil
    }
}
