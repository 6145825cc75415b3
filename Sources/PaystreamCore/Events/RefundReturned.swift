/// A refund the channel could not complete (its refund ended closed, or abnormal: the payer's card no longer
/// takes money) comes back to the payer's wallet.
///
/// Guarantees: `refundOrderID` and `originalOrderID` are order ids; `payer` holds money of its own (not
/// clearing); `amount > 0`; `reason` is text. Canonical key `refund-returned:<refundOrderID>`; Kafka key the
/// original order (the partition of the refund itself). JSON payload: `{"refundOrderId","originalOrderId","payer",
/// "channel","amountFen","reason"}`.
public struct RefundReturned: Sendable, Hashable {
    public let refundOrderID: String
    public let originalOrderID: String
    public let payer: AccountID
    public let channel: Channel
    public let amount: Amount
    public let reason: String

    public init(
        refundOrderID: String, originalOrderID: String, payer: AccountID, channel: Channel, amount: Amount, reason: String
    ) throws(EventDecodingError) {
        self.refundOrderID = try EventFieldRules.orderID(refundOrderID, field: "payload.refundOrderId")
        self.originalOrderID = try EventFieldRules.orderID(originalOrderID, field: "payload.originalOrderId")
        self.payer = try EventFieldRules.account(payer, field: "payload.payer", kinds: EventFieldRules.holdingKinds)
        self.channel = channel
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
        self.reason = try EventFieldRules.text(reason, field: "payload.reason")
    }

    public var orderKey: String { originalOrderID }
    public var canonicalIdempotencyKey: String { "refund-returned:\(refundOrderID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "refundOrderId": .string(refundOrderID), "originalOrderId": .string(originalOrderID),
            "payer": .string(payer.description), "channel": .string(channel.rawValue),
            "amountFen": .number(String(amount.fen)), "reason": .string(reason),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let refundOrderID = try reader.string("refundOrderId")
        let originalOrderID = try reader.string("originalOrderId")
        let payer = try reader.account("payer", kinds: EventFieldRules.holdingKinds)
        let channel = try reader.channel("channel")
        let amount = try reader.amount("amountFen")
        let reason = try reader.string("reason")
        try self.init(
            refundOrderID: refundOrderID, originalOrderID: originalOrderID, payer: payer, channel: channel, amount: amount,
            reason: reason)
    }
}
