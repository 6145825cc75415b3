/// One bucket of one account: the unit a balance is kept for.
///
/// Guarantees: ordered by account then bucket (`available` before `frozen`), a total order for locking.
public struct BalanceKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let account: AccountID
    public let bucket: Bucket

    public init(account: AccountID, bucket: Bucket) {
        self.account = account
        self.bucket = bucket
    }

    public var description: String { "\(account).\(bucket.rawValue)" }

    public static func < (lhs: BalanceKey, rhs: BalanceKey) -> Bool {
        lhs.account != rhs.account ? lhs.account < rhs.account : lhs.bucket == .available && rhs.bucket == .frozen
    }
}
