import Foundation
import Synchronization
import Testing
@testable import GalleyCore
@testable import GalleyPostgres
@testable import GalleyGateway
import GalleyLedger
import GalleyTestSupport

/// Group commit for `POST /emoji/create` (CreateBatch, CreateBatcher): many creates in one
/// statement with per-request results, on the test PostgreSQL.
@Suite struct CreateGroupCommitTests {
    static let body: JSONValue = ["image_url": "https://img.example/a.jpg", "driven_id": "mengwa_kaixin",
                                  "face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200]]

    /// Credits points the way the ledger does (balance and a purchase row together).
    static func fund(_ gateway: InProcessGateway, _ userID: Int64, _ amount: Int) async throws {
        let id = gateway.services.ids.next()
        try await gateway.postgres.withConnection { connection in
            _ = try connection.execute("""
                WITH u AS (UPDATE user_points SET balance = balance + $2, updated_at = now() WHERE user_id = $1 RETURNING balance)
                INSERT INTO point_transactions (id, user_id, type, amount, balance_after, created_at)
                SELECT $3, $1, 'purchase', $2, balance, now() FROM u
                """, [userID, amount, id])
        }
    }

    static func item(_ gateway: InProcessGateway, userID: Int64, cost: Int = 200, key: String? = nil) -> CreateBatchItem {
        let ids = gateway.services.ids
        let taskID = ids.next()
        return CreateBatchItem(
            userID: userID, cost: cost, taskID: taskID, ledgerID: ids.next(),
            outbox: OutboxEntry(id: ids.next(), stream: "emoji_tasks", fields: [("task_id", String(taskID))]),
            drivenID: "mengwa_kaixin", imageURL: "https://img.example/a.jpg", detectResult: #"{"face_bbox": [1, 2]}"#,
            idempotencyKey: key, requestHash: key == nil ? nil : "hash")
    }

    @Test func oneStatementGivesEachCreateItsOwnOutcome() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        let rich = try await gateway.login(), poor = try await gateway.login(), keyed = try await gateway.login()
        try await Self.fund(gateway, rich.userID, 500)
        try await Self.fund(gateway, poor.userID, 100)
        try await Self.fund(gateway, keyed.userID, 1000)
        // The key is already taken by a committed task of `keyed`: that item conflicts alone.
        let first = Self.item(gateway, userID: keyed.userID, key: "k1")
        let earlier = try CreateBatch.run([first], on: gateway.postgres)
        #expect(earlier.count == 1)
        guard case .created = earlier[0] else { Issue.record("first create: \(earlier)"); return }

        let items = [Self.item(gateway, userID: rich.userID), Self.item(gateway, userID: poor.userID),
                     Self.item(gateway, userID: keyed.userID, key: "k1"), Self.item(gateway, userID: 999_999_999_001)]
        let outcomes = try CreateBatch.run(items, on: gateway.postgres)
        guard case .created = outcomes[0] else { Issue.record("rich: \(outcomes)"); return }
        #expect(outcomes[1] == .insufficientFunds)
        #expect(outcomes[2] == .conflict)
        #expect(outcomes[3] == .alone)  // no account row: the one-transaction path decides

        try await gateway.postgres.withConnection { connection in
            let balances = try connection.query(
                "SELECT user_id, balance FROM user_points WHERE user_id = ANY($1::bigint[]) ORDER BY user_id",
                ["{\(rich.userID),\(poor.userID),\(keyed.userID)}"])
            let byUser = try Dictionary(uniqueKeysWithValues: balances.rows.map {
                (try $0.decode(Int64.self, "user_id"), try $0.decode(Int.self, "balance"))
            })
            #expect(byUser[rich.userID] == 300 && byUser[poor.userID] == 100 && byUser[keyed.userID] == 800)
            let tasks = try connection.query("SELECT count(*) AS n FROM emoji_tasks WHERE id = ANY($1::bigint[])",
                                             ["{\(items.map { String($0.taskID) }.joined(separator: ","))}"])
            #expect(try tasks.rows.first?.decode(Int.self, "n") == 1)
            let outbox = try connection.query("SELECT count(*) AS n FROM outbox WHERE id = ANY($1::bigint[])",
                                              ["{\(items.map { String($0.outbox.id) }.joined(separator: ","))}"])
            #expect(try outbox.rows.first?.decode(Int.self, "n") == 1)
            let ledger = try connection.query("SELECT ref_key, amount, balance_after FROM point_transactions WHERE id = $1",
                                              [items[0].ledgerID])
            #expect(try ledger.rows.first?.decode(String.self, "ref_key") == "consume:task:\(items[0].taskID)")
            #expect(try ledger.rows.first?.decode(Int.self, "balance_after") == 300)
            #expect(try Ledger.violations(on: connection).isEmpty)
        }
    }

    @Test func concurrentCreatesShareCommitsAndKeepEveryAnswer() async throws {
        let gateway = try InProcessGateway(redisDatabase: 6)
        defer { gateway.shutdown() }
        var users: [(token: String, userID: Int64)] = []
        for index in 0..<12 {
            let user = try await gateway.login()
            // User 0 can pay for one create only; the others for all of theirs.
            try await Self.fund(gateway, user.userID, index == 0 ? 250 : 10_000)
            users.append(user)
        }
        // Three creates per user at once, user 1's under one Idempotency-Key.
        let answers = try await withThrowingTaskGroup(of: (Int, Int, Int64?).self) { group in
            for _ in 0..<3 {
                for (index, user) in users.enumerated() {
                    group.addTask {
                        let headers: [(String, String)] = index == 1 ? [("Idempotency-Key", "same-key")] : []
                        let answer = try await gateway.request("POST", "/api/v1/emoji/create", token: user.token,
                                                               json: Self.body, headers: headers)
                        return (index, answer.code ?? -1, answer.data?["id"]?.int64Value)
                    }
                }
            }
            var all: [(Int, Int, Int64?)] = []
            for try await answer in group { all.append(answer) }
            return all
        }
        let poor = answers.filter { $0.0 == 0 }
        #expect(poor.filter { $0.1 == 0 }.count == 1)
        #expect(poor.filter { $0.1 == 402001 }.count == 2)
        let keyed = answers.filter { $0.0 == 1 }
        #expect(keyed.allSatisfy { $0.1 == 0 })
        #expect(Set(keyed.compactMap(\.2)).count == 1)
        #expect(answers.filter { $0.0 > 1 }.allSatisfy { $0.1 == 0 && $0.2 != nil })
        // Creates shared statements (36 at once, at most two statements running).
        let batcher = try #require(gateway.services.createBatcher)
        #expect(batcher.statements.load(ordering: .relaxed) < batcher.creates.load(ordering: .relaxed))

        try await gateway.postgres.withConnection { connection in
            #expect(try Ledger.violations(on: connection).isEmpty)
            let tasks = try connection.query("SELECT count(*) AS n FROM emoji_tasks")
            #expect(try tasks.rows.first?.decode(Int.self, "n") == 1 + 1 + 10 * 3)
            let charged = try connection.query("SELECT count(*) AS n FROM point_transactions WHERE type = 'consume'")
            #expect(try charged.rows.first?.decode(Int.self, "n") == 1 + 1 + 10 * 3)
        }
    }
}
