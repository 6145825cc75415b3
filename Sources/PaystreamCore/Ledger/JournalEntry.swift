/// One double-entry movement of money (money.md rule 2): two or more postings whose amounts sum to zero,
/// named by the idempotency key of the business step that caused it.
///
/// Guarantees, for every value (initializer, factories and decoding alike):
/// - at least two postings, none of them zero;
/// - the postings sum to exactly zero, computed with checked arithmetic (an overflowing sum is refused);
/// - `idempotencyKey` and `orderID` are non-blank.
/// It does not know balances: whether applying it keeps a bucket >= 0 is checked by ``LedgerRules`` and by
/// the store's CHECK constraints.
public struct JournalEntry: Sendable, Hashable, Codable {
    public let kind: EntryKind
    /// The key of the business step (money.md rule 4), e.g. `grab:<grab id>`.
    public let idempotencyKey: String
    /// The order that owns the money moved.
    public let orderID: String
    public let postings: [Posting]

    public init(
        kind: EntryKind, idempotencyKey: String, orderID: String, postings: [Posting]
    ) throws(LedgerRuleError) {
        guard !Self.isBlank(idempotencyKey) else {
            throw LedgerRuleError(code: "entry.empty_key", message: "journal entry without an idempotency key")
        }
        guard !Self.isBlank(orderID) else {
            throw LedgerRuleError(code: "entry.empty_order", message: "journal entry \(idempotencyKey) without an order")
        }
        guard postings.count >= 2 else {
            throw LedgerRuleError(
                code: "entry.too_few_postings",
                message: "journal entry \(idempotencyKey) has \(postings.count) posting(s), needs at least 2")
        }
        guard postings.allSatisfy({ $0.amountFen != 0 }) else {
            throw LedgerRuleError(code: "entry.zero_posting", message: "journal entry \(idempotencyKey) has a zero posting")
        }
        let sum: Int64
        do throws(MoneyError) {
            sum = try CheckedMath.sum(postings.map(\.amountFen))
        } catch {
            throw LedgerRuleError(code: "entry.sum_overflow", message: "journal entry \(idempotencyKey): \(error.message)")
        }
        guard sum == 0 else {
            throw LedgerRuleError(
                code: "entry.unbalanced", message: "journal entry \(idempotencyKey) postings sum to \(sum), not 0")
        }
        self.kind = kind
        self.idempotencyKey = idempotencyKey
        self.orderID = orderID
        self.postings = postings
    }

    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, idempotencyKey, orderID = "orderId", postings
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(EntryKind.self, forKey: .kind)
        let key = try container.decode(String.self, forKey: .idempotencyKey)
        let orderID = try container.decode(String.self, forKey: .orderID)
        let postings = try container.decode([Posting].self, forKey: .postings)
        do throws(LedgerRuleError) {
            try self.init(kind: kind, idempotencyKey: key, orderID: orderID, postings: postings)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .postings, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(orderID, forKey: .orderID)
        try container.encode(postings, forKey: .postings)
    }
}
