import GalleyPostgres

/// One movement of points, as a row of `point_transactions` records it.
public struct LedgerEntry: Sendable, Hashable {
    /// The contract's transaction types.
    public enum Kind: String, Sendable, Hashable {
        case consume, purchase, reward, refund
    }

    public var userID: Int64
    /// Signed: negative debits, positive credits.
    public var amount: Int
    public var kind: Kind
    public var taskType: String?
    public var orderNo: String?
    public var rewardWeek: String?
    /// Makes the entry happen at most once (`refund:task:<id>`, `purchase:txn:<id>`).
    public var reference: String?
    /// For a debit: take what is left when the balance is short instead of refusing
    /// (a refunded pack takes back what remains of it, never below zero).
    public var clampToBalance: Bool
    /// The reference names something created in the same transaction (`consume:task:<new
    /// id>`), so it cannot be a duplicate: the ledger skips the separate lock that makes
    /// duplicate detection exact, saving a round trip. The unique index still holds.
    public var referenceIsNew: Bool

    public init(
        userID: Int64, amount: Int, kind: Kind, taskType: String? = nil, orderNo: String? = nil,
        rewardWeek: String? = nil, reference: String? = nil, clampToBalance: Bool = false, referenceIsNew: Bool = false
    ) {
        self.userID = userID
        self.amount = amount
        self.kind = kind
        self.taskType = taskType
        self.orderNo = orderNo
        self.rewardWeek = rewardWeek
        self.reference = reference
        self.clampToBalance = clampToBalance
        self.referenceIsNew = referenceIsNew
    }
}

/// What applying an entry did.
public enum LedgerOutcome: Sendable, Hashable {
    /// Recorded: the ledger row's id, the amount actually moved and the new balance.
    case applied(transactionID: Int64, amount: Int, balanceAfter: Int)
    /// The entry's reference was applied before; nothing changed.
    case duplicate
    /// A debit larger than the balance; nothing changed. The caller rolls back.
    case insufficientFunds(balance: Int)
}
