import Foundation
import Testing
@testable import GalleyCore
@testable import GalleyRuntime
import GalleyTestSupport

/// The business config at the original's path, re-read by content.
@Suite struct BusinessConfigFileTests {
    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("bizcfg")).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theBuiltInCopyIsTheOriginalsFileByteForByte() throws {
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/golden/default_config.json").standardizedFileURL.path
        let recorded = try #require(FileManager.default.contents(atPath: golden))
        #expect(Array(BusinessConfig.originalDefaultJSON.utf8) == Array(recorded))
        let empty = try directory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let store = try BusinessConfigStore(path: nil, workingDirectory: empty)
        #expect(store.path == nil)
        #expect(store.current.publicSections == (try BusinessConfig(document: JSONParser.parse([UInt8](recorded)))).publicSections)
    }

    @Test func theOriginalsPathUnderTheWorkingDirectoryIsUsed() throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/app/config", withIntermediateDirectories: true)
        try #"{"points_rules":{"emoji":123}}"#.write(toFile: root + "/app/config/default_config.json", atomically: true, encoding: .utf8)
        let store = try BusinessConfigStore(path: nil, workingDirectory: root)
        #expect(store.path == root + "/app/config/default_config.json")
        #expect(store.current.emojiCost == 123)
        // CONFIG_PATH wins, relative to the working directory.
        try #"{"points_rules":{"emoji":7}}"#.write(toFile: root + "/mine.json", atomically: true, encoding: .utf8)
        #expect(try BusinessConfigStore(path: "mine.json", workingDirectory: root).current.emojiCost == 7)
    }

    @Test func anEditOfTheSameSizeAndTimeAndASwappedSymlinkAreSeen() async throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/config.json"
        try #"{"points_rules":{"emoji":111}}"#.write(toFile: path, atomically: false, encoding: .utf8)
        let stamp = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: path)
        let store = try BusinessConfigStore(path: path, recheckInterval: .milliseconds(50))
        #expect(store.current.emojiCost == 111)

        // Same length, same mtime: only the content tells.
        try #"{"points_rules":{"emoji":222}}"#.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: path)
        try await Task.sleep(for: .milliseconds(80))
        #expect(store.current.emojiCost == 222)

        // A symlink swapped to another release's file (as deploy tools do).
        let link = root + "/current.json"
        try #"{"points_rules":{"emoji":333}}"#.write(toFile: root + "/a.json", atomically: true, encoding: .utf8)
        try #"{"points_rules":{"emoji":444}}"#.write(toFile: root + "/b.json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root + "/a.json")
        let linked = try BusinessConfigStore(path: link, recheckInterval: .milliseconds(50))
        #expect(linked.current.emojiCost == 333)
        try FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: root + "/b.json")
        try await Task.sleep(for: .milliseconds(80))
        #expect(linked.current.emojiCost == 444)
    }

    @Test func aBadEditKeepsTheLastGoodConfigAndSaysWhy() async throws {
        let root = try directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/config.json"
        try #"{"points_rules":{"emoji":300}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let store = try BusinessConfigStore(path: path, recheckInterval: .milliseconds(50))
        #expect(store.current.emojiCost == 300 && store.lastError == nil)
        try #"{"points_rules": broken"#.write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(80))
        #expect(store.current.emojiCost == 300)
        #expect(store.lastError?.contains("valid JSON") == true)
        try #"{"points_packs":{"p":-5}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(80))
        #expect(store.current.emojiCost == 300)
        #expect(store.lastError?.contains("points_packs.p") == true)
        try FileManager.default.removeItem(atPath: path)
        try await Task.sleep(for: .milliseconds(80))
        #expect(store.current.emojiCost == 300 && store.lastError != nil)
        try #"{"points_rules":{"emoji":350}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(80))
        #expect(store.current.emojiCost == 350 && store.lastError == nil)
    }
}
