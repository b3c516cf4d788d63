import Foundation
import GalleyCore
import GalleyRedis
public import GalleyStorage
import GalleyRuntime

/// Stores finished videos through the fleet's ``ObjectStorage``: DashScope's URL is
/// copied (downloaded and re-uploaded), the mock's `galley-mock://` video is written from
/// the bytes built into the binary.
public struct ObjectStorageResultSink: EmojiResultSink {
    public static let contentType = "video/mp4"
    private let storage: any ObjectStorage

    public init(storage: any ObjectStorage) {
        self.storage = storage
    }

    public func store(videoURL: String, key: String) async throws -> String {
        if MockEmojiProvider.isMockVideo(videoURL) {
            return try await storage.put(key: key, data: MockEmojiProvider.sampleVideo, contentType: ObjectStorageResultSink.contentType)
        }
        guard let url = URL(string: videoURL) else {
            throw StorageError.invalidArgument("the provider's video URL does not parse")
        }
        return try await storage.copy(from: url, to: key, contentType: ObjectStorageResultSink.contentType)
    }
}
