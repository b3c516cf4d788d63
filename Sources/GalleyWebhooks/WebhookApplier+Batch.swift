import Foundation
import GalleyCore
import GalleyPostgres
import GalleyRuntime

extension WebhookApplier {
    /// Applies many delivered events in the caller's transaction, with a few set-based
    /// statements for the whole batch instead of a dozen per event.
    ///
    /// The answer has one entry per id in `eventIDs`: the event's outcome, or nil for a
    /// TRANSFER, which re-owns other events and so runs alone after the batch commits
    /// (``apply(eventID:mode:pool:)``). An id repeated in the batch is applied at its first
    /// place; the repeats are duplicates (`alreadyDone`).
    ///
    /// Subscription events of customers no TRANSFER names are the batch's own: resolved
    /// against one read of the users and aliases they name (plus the aliases earlier events
    /// of the batch remember, in stream order), then finished, recomputed and VIP-updated
    /// together. Events that share a customer id with a pack event or with a transfer's
    /// source run one by one on the one-event path, in stream order, inside the same
    /// transaction; customers that share no id do not interact, whatever their order.
    func applyBatch(eventIDs: [String], on db: PostgresConnection) throws -> [WebhookOutcome?] {
        var outcomes = [WebhookOutcome?](repeating: nil, count: eventIDs.count)
        var firstPlace: [String: Int] = [:]
        for (index, id) in eventIDs.enumerated() where firstPlace[id] == nil { firstPlace[id] = index }
        try db.query("SELECT pg_advisory_xact_lock_shared($1)", [Self.transferLockKey])
        let rows = try db.query(
            """
            SELECT id, event_id, event_type, status, attempts, payload, \(Self.orderKeySQL) AS order_key_ms
            FROM revenuecat_events WHERE event_id = ANY($1::varchar[]) ORDER BY id FOR UPDATE
            """, [Array(firstPlace.keys)])

        var work = BatchWork()
        var found = Set<String>()
        for stored in rows {
            let eventID = try stored.decode(String.self, "event_id")
            guard let index = firstPlace[eventID] else { continue }
            found.insert(eventID)
            let label = RevenueCatEventType(try stored.decode(String.self, "event_type")).metricLabel
            if let settled = settledOutcome(status: try stored.decode(String.self, "status"), due: true, mode: .delivery, label: label) {
                outcomes[index] = settled
                continue
            }
            let row = EventRow(id: try stored.decode(Int64.self, "id"), eventID: eventID,
                               attempts: try stored.decode(Int.self, "attempts"), label: label)
            let event: RevenueCatEvent
            do {
                guard let payload = try stored.decode(JSONValue?.self, "payload") else {
                    throw WebhookError.invalidPayload.with("payload is NULL")
                }
                event = try RevenueCatEvent(payload: payload, fallbackTimestampMs: try stored.decode(Int64?.self, "order_key_ms"))
            } catch let error as WebhookError {
                logger.warning("stored webhook event cannot be parsed", ["event_id": eventID, "error": error.debugDescription])
                outcomes[index] = work.finish(row, .failed, reason: error.description, facts: nil, now: now())
                continue
            }
            switch route(event) {
            case .finish(let status, let reason, let facts):
                outcomes[index] = work.finish(row, status, reason: reason, facts: facts, now: now())
            case .transfer:
                break  // nil: runs alone after the batch
            case .subscription(let plan, let facts):
                work.candidates.append(BatchCandidate(index: index, row: row, event: event, facts: facts, plan: plan, isPack: false))
            case .pack(let facts):
                work.candidates.append(BatchCandidate(index: index, row: row, event: event, facts: facts, plan: nil, isPack: true))
            }
        }
        for (id, index) in firstPlace where !found.contains(id) {
            outcomes[index] = WebhookOutcome(status: .notFound, eventType: "")
        }
        for (index, id) in eventIDs.enumerated() where firstPlace[id] != index {
            outcomes[index] = WebhookOutcome(status: .alreadyDone, eventType: "", reason: "repeated in its batch")
        }

        // Stream order among the candidates: the order of the ids asked for.
        work.candidates.sort { $0.index < $1.index }
        let (alone, together) = try split(work.candidates, on: db)
        for candidate in alone {
            outcomes[candidate.index] = try applyParsed(candidate.event, row: candidate.row, on: db)
        }
        for (index, outcome) in try resolveTogether(together, work: &work, on: db) { outcomes[index] = outcome }
        try lockUsers(Array(work.users), on: db)
        let late = try settlePacks(&work, on: db)
        for (index, outcome) in work.packOutcomes { outcomes[index] = outcome }
        try work.write(applier: self, on: db)
        // Packs the batch cannot credit by itself, after the aliases it learned are written.
        for candidate in late {
            outcomes[candidate.index] = try applyParsed(candidate.event, row: candidate.row, on: db)
        }
        return outcomes
    }

    /// A pack purchase the batch credits itself: a transaction no processed event, order or
    /// earlier credit knows, bought by a user with an account, once in the batch. Checked
    /// after the users are locked, so a concurrent event of the same pack has committed.
    /// The others are returned, to run on the one-event path (``settlePack(transactionID:on:)``).
    private func settlePacks(_ work: inout BatchWork, on db: PostgresConnection) throws -> [BatchCandidate] {
        guard !work.packs.isEmpty else { return [] }
        let transactions = work.packs.compactMap(\.candidate.facts.transactionID)
        var known = Set<String>()
        var accounts = Set<Int64>()
        for row in try db.query(
            """
            SELECT CASE WHEN status = 'processed' THEN transaction_id ELSE '' END AS key FROM revenuecat_events
            WHERE applied_kind = 'pack' AND transaction_id = ANY($1::varchar[])
            UNION ALL SELECT order_no FROM orders WHERE order_no = ANY($1::varchar[])
            UNION ALL SELECT order_no FROM point_transactions
            WHERE user_id = ANY($2::bigint[]) AND type = 'purchase' AND order_no = ANY($1::varchar[]) AND ref_key IS NULL
            UNION ALL SELECT 'account:' || user_id FROM user_points WHERE user_id = ANY($2::bigint[])
            """, [transactions, Array(Set(work.packs.map(\.owner)))])
        {
            let key = try row.decode(String.self, at: 0)
            if key.hasPrefix("account:"), let user = Int64(key.dropFirst("account:".count)) { accounts.insert(user) } else { known.insert(key) }
        }
        var seen: [String: Int] = [:]
        for transaction in transactions { seen[transaction, default: 0] += 1 }
        var late: [BatchCandidate] = []
        let stamp = now()
        for pack in work.packs {
            let candidate = pack.candidate
            guard let transactionID = candidate.facts.transactionID, let productID = candidate.facts.productID,
                  let points = businessConfig().pointsPack(forProduct: productID),
                  !known.contains(transactionID), seen[transactionID] == 1, accounts.contains(pack.owner)
            else {
                late.append(candidate)
                continue
            }
            var facts = candidate.facts
            facts.userID = pack.owner
            facts.kind = "pack"
            work.packOutcomes.append((candidate.index, work.finish(candidate.row, .processed, reason: nil, facts: facts, now: stamp)))
            let event = candidate.event
            work.credits.append([
                "seq": .int(Int64(candidate.index)), "ledger_id": .int(ids.next()), "user_id": .int(pack.owner),
                "amount": .int(Int64(points)), "order_no": .string(transactionID), "ref_key": .string("purchase:txn:\(transactionID)"),
                "environment": JSONValue(Self.environmentColumn(event.environment)),
            ])
            work.orders.append([
                "id": .int(ids.next()), "user_id": .int(pack.owner), "order_no": .string(transactionID),
                "product_id": .string(String(productID.prefix(64))), "amount": .string(event.price.map { "\($0)" } ?? "0"),
                "currency": .string(String((event.currency ?? "USD").prefix(8))),
                "paid_ms": .int(event.purchasedAtMs ?? event.timestampMs),
                "environment": JSONValue(Self.environmentColumn(event.environment)),
            ])
        }
        return late
    }

    /// Splits the candidates into those run one by one (pack events other than a purchase,
    /// customers a TRANSFER names, and every event sharing a customer id with one of those)
    /// and the set-based rest.
    private func split(_ candidates: [BatchCandidate], on db: PostgresConnection) throws -> (alone: [BatchCandidate], together: [BatchCandidate]) {
        guard !candidates.isEmpty else { return ([], []) }
        let subscriptionIDs = Array(Set(candidates.filter { !$0.isPack }.flatMap(\.facts.customerIDs)))
        var transferred = Set<String>()
        if !subscriptionIDs.isEmpty {
            for row in try db.query(
                "SELECT DISTINCT from_app_user_id FROM revenuecat_transfers WHERE from_app_user_id = ANY($1::varchar[])",
                [subscriptionIDs])
            {
                transferred.insert(try row.decode(String.self, at: 0))
            }
        }
        // Customers connected through shared ids form one group (union-find over ids).
        var parent: [String: String] = [:]
        func root(_ id: String) -> String {
            var current = id
            while let next = parent[current], next != current { current = next }
            return current
        }
        for candidate in candidates {
            guard let first = candidate.facts.customerIDs.first else { continue }
            if parent[first] == nil { parent[first] = first }
            for id in candidate.facts.customerIDs.dropFirst() {
                if parent[id] == nil { parent[id] = id }
                let a = root(first), b = root(id)
                if a != b { parent[b] = a }
            }
        }
        var lone = Set<String>()
        for candidate in candidates where !candidate.isBatchable || candidate.facts.customerIDs.contains(where: transferred.contains) {
            for id in candidate.facts.customerIDs { lone.insert(root(id)) }
        }
        var alone: [BatchCandidate] = []
        var together: [BatchCandidate] = []
        for candidate in candidates {
            let joined = !candidate.isBatchable || candidate.facts.customerIDs.contains { lone.contains(root($0)) }
            if joined { alone.append(candidate) } else { together.append(candidate) }
        }
        return (alone, together)
    }

    /// Resolves the set-based subscription events in stream order against one read of
    /// the users and aliases they name, remembering aliases as the one-event path would.
    private func resolveTogether(_ candidates: [BatchCandidate], work: inout BatchWork, on db: PostgresConnection) throws -> [(Int, WebhookOutcome)] {
        guard !candidates.isEmpty else { return [] }
        let customerIDs = Array(Set(candidates.flatMap(\.facts.customerIDs)))
        let numeric = Array(Set(customerIDs.compactMap(Self.userID(from:))))
        var users = Set<Int64>()
        if !numeric.isEmpty {
            for row in try db.query("SELECT u.id FROM unnest($1::bigint[]) AS k(id) JOIN users u ON u.id = k.id", [numeric]) {
                users.insert(try row.decode(Int64.self, at: 0))
            }
        }
        var aliases: [String: Int64] = [:]
        for row in try db.query(
            // A join from the ids (not `= ANY`): index probes whatever the table's statistics say.
            """
            SELECT a.app_user_id, a.user_id FROM unnest($1::varchar[]) AS k(id)
            JOIN revenuecat_aliases a ON a.app_user_id = k.id
            """, [customerIDs])
        {
            aliases[try row.decode(String.self, "app_user_id")] = try row.decode(Int64.self, "user_id")
        }
        var outcomes: [(Int, WebhookOutcome)] = []
        for candidate in candidates {
            let ids = candidate.facts.customerIDs
            let owner = ids.compactMap(Self.userID(from:)).first(where: users.contains) ?? ids.lazy.compactMap { aliases[$0] }.first
            guard let owner, let productID = candidate.facts.productID else {
                // A pack without an owner parks like a subscription event (applyPackEvent).
                outcomes.append((candidate.index, work.park(candidate.row, facts: candidate.facts, configuration: configuration, now: now())))
                continue
            }
            // rememberAliases, kept in memory for the events after this one.
            let own = String(owner)
            for other in ids where other != own && other.utf8.count <= 255 {
                if let known = aliases[other], known <= owner { continue }
                aliases[other] = owner
                work.aliases[other] = owner
            }
            work.users.insert(owner)
            if candidate.isPack {
                work.packs.append((candidate, owner))
                continue
            }
            var facts = candidate.facts
            facts.userID = owner
            facts.kind = "subscription"
            work.subscriptions.insert(SubscriptionKey(userID: owner, productID: productID))
            outcomes.append((candidate.index, work.finish(candidate.row, .processed, reason: nil, facts: facts, now: now())))
        }
        return outcomes
    }
}

/// A batch event that changes more than its own row.
struct BatchCandidate {
    var index: Int
    var row: WebhookApplier.EventRow
    var event: RevenueCatEvent
    var facts: WebhookApplier.AppliedFacts
    var plan: VipType?
    var isPack: Bool

    /// Set-based in a batch: subscription events, and pack purchases naming their transaction.
    var isBatchable: Bool {
        !isPack || (event.type == .nonRenewingPurchase && facts.transactionID != nil)
    }
}
