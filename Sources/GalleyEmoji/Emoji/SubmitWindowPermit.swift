import Synchronization
import GalleyCore

/// One place in ``EmojiTaskProcessor``'s submit window, given back exactly once: when
/// the task's provider id is stored, when it needs no submission, or when it leaves.
final class SubmitWindowPermit: Sendable {
    private let window: AsyncSemaphore
    private let held = Atomic<Bool>(true)

    /// Waits for a place in `window`.
    static func take(_ window: AsyncSemaphore) async -> SubmitWindowPermit {
        await window.acquire()
        return SubmitWindowPermit(window)
    }

    private init(_ window: AsyncSemaphore) {
        self.window = window
    }

    func release() {
        if held.exchange(false, ordering: .acquiringAndReleasing) { window.release() }
    }

    deinit { release() }
}
