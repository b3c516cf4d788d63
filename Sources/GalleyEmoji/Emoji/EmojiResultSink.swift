import GalleyCore
import GalleyRedis
import GalleyStorage
import GalleyRuntime

/// Where a finished generation's video goes: object storage in the worker, memory in
/// tests. DashScope's `video_url` expires within a day, so the worker keeps its own copy.
public protocol EmojiResultSink: Sendable {
    /// Copies the video at `videoURL` to `key` and returns the URL the app downloads it from.
    /// Storing the same key twice overwrites it with the same bytes.
    func store(videoURL: String, key: String) async throws -> String
}
