/// One line of a journal entry: a signed amount of fen added to one bucket of one account.
///
/// Guarantees: `amountFen != 0` (a zero line moves nothing and is refused); positive credits the bucket,
/// negative debits it. JSON form `{"account":"user:42","bucket":"available","amountFen":-100}`; decoding
/// applies the same check.
public struct Posting: Sendable, Hashable, Codable {
    public let account: AccountID
    public let bucket: Bucket
    /// Signed change of the bucket's balance, in fen; never 0.
    public let amountFen: Int64

    /// Throws `entry.zero_posting` when `amountFen == 0`.
    public init(account: AccountID, bucket: Bucket, amountFen: Int64) throws(LedgerRuleError) {
        guard amountFen != 0 else {
            throw LedgerRuleError(code: "entry.zero_posting", message: "posting to \(account).\(bucket) is zero")
        }
        self.account = account
        self.bucket = bucket
        self.amountFen = amountFen
    }

    private enum CodingKeys: String, CodingKey {
        case account, bucket, amountFen
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let account = try container.decode(AccountID.self, forKey: .account)
        let bucket = try container.decode(Bucket.self, forKey: .bucket)
        let amountFen = try container.decode(Int64.self, forKey: .amountFen)
        do throws(LedgerRuleError) {
            try self.init(account: account, bucket: bucket, amountFen: amountFen)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .amountFen, in: container, debugDescription: error.description)
        }
    }
}
