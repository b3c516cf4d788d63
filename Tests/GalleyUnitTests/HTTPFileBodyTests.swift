import Foundation
import Testing
@testable import GalleyHTTP
import GalleyTestSupport

/// A file response body: only regular files open, the descriptor is handed over once.
struct HTTPFileBodyTests {
    @Test func opensRegularFilesOnlyAndHandsTheDescriptorOverOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("filebody"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.jpg")
        try Data(repeating: 7, count: 12_345).write(to: file)

        #expect(HTTPFileBody.open(path: directory.appendingPathComponent("missing.jpg").path) == nil)
        #expect(HTTPFileBody.open(path: directory.path) == nil)
        let body = try #require(HTTPFileBody.open(path: file.path))
        #expect(body.size == 12_345)
        let descriptor = try #require(body.take())
        #expect(body.take() == nil)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(descriptor, &buffer, 16) == 16 && buffer.allSatisfy { $0 == 7 })
        close(descriptor)
    }
}
