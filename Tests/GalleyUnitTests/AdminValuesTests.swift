import Foundation
import Testing
import GalleyCore
import GalleyAdmin

/// The console's and galleyctl's small values: stream names, page bounds, the operator's
/// name, and the JSON every answer is printed as.
struct AdminValuesTests {
    @Test func streamNamesAcceptTheFormsOperatorsType() {
        #expect(AdminStream(name: "emoji_tasks") == .emojiTasks)
        #expect(AdminStream(name: "emoji_tasks:dead") == .emojiTasks)
        #expect(AdminStream(name: "webhook") == .webhookEvents)
        #expect(AdminStream(name: "orders") == nil)
        #expect(AdminStream.webhookEvents.deadLetterStream == "webhook_events:dead")
        #expect(AdminStream.emojiTasks.group == "emoji_worker")
    }

    @Test func pageLimitsAreClampedAndEmptyCursorsIgnored() {
        #expect(AdminPageRequest(limit: 0).limit == 1)
        #expect(AdminPageRequest(limit: 10_000).limit == 500)
        #expect(AdminPageRequest(cursor: "").cursor == nil)
    }

    @Test func operatorNamesAreTrimmedAndNeverEmpty() {
        #expect(AdminOperator("  alice \n").name == "alice")
        #expect(AdminOperator("").name == "unknown")
        #expect(AdminOperator(String(repeating: "x", count: 300)).name.count == 128)
    }

    @Test func answersAreSnakeCaseJSONWithTimestampsAsTheAPIWritesThem() {
        let at = Date(timeIntervalSince1970: 1_764_633_600.5)
        let entry = AdminAuditEntry(id: 7, at: at, actor: "alice", action: "points.adjust", target: "user:1",
                                    before: ["balance": 0], after: nil)
        #expect(JSONWriter.string(entry.json)
                == #"{"id":7,"at":"2025-12-02T00:00:00.500000Z","actor":"alice","action":"points.adjust","target":"user:1","before":{"balance":0},"after":null}"#)
        let page = AdminPage(items: [entry], nextCursor: "7")
        #expect(page.json["next_cursor"]?.stringValue == "7")
        #expect(page.json["items"]?.arrayValue?.count == 1)
    }

    @Test func errorsSayTheirKindAndASafeMessage() {
        let error = AdminError.notFound("task 12")
        #expect(error.kind == .notFound && error.description == "task 12 not found")
        #expect(AdminError.Kind.insufficientPoints.rawValue == "insufficient_points")
    }
}
