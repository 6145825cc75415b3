/// A request to give back (part of) the money of a completed order.
///
/// Guarantees: `refundOrderID` and `originalOrderID` are order ids; `payer` holds money of its own (not
/// clearing); a wallet destination is a user; `amount > 0`. Canonical key `refund:<refundOrderID>`; Kafka key
/// the original order. JSON payload: `{"refundOrderId","originalOrderId","payer","amountFen","destination"}`
/// with `destination` either `{"type":"channel","channel":"wechat"}` or `{"type":"wallet","account":"user:42"}`.
public struct RefundRequested: Sendable, Hashable {
    public let refundOrderID: String
    public let originalOrderID: String
    public let payer: AccountID
    public let amount: Amount
    public let destination: RefundDestination

    public init(
        refundOrderID: String, originalOrderID: String, payer: AccountID, amount: Amount,
        destination: RefundDestination
    ) throws(EventDecodingError) {
        self.refundOrderID = try EventFieldRules.orderID(refundOrderID, field: "payload.refundOrderId")
        self.originalOrderID = try EventFieldRules.orderID(originalOrderID, field: "payload.originalOrderId")
        self.payer = try EventFieldRules.account(payer, field: "payload.payer", kinds: EventFieldRules.holdingKinds)
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
        if case .wallet(let wallet) = destination {
            _ = try EventFieldRules.account(wallet, field: "payload.destination.account", kinds: [.user])
        }
        self.destination = destination
    }

    public var orderKey: String { originalOrderID }
    public var canonicalIdempotencyKey: String { "refund:\(refundOrderID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "refundOrderId": .string(refundOrderID), "originalOrderId": .string(originalOrderID),
            "payer": .string(payer.description), "amountFen": .number(String(amount.fen)),
            "destination": destination.jsonValue,
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let refundOrderID = try reader.string("refundOrderId")
        let originalOrderID = try reader.string("originalOrderId")
        let payer = try reader.account("payer", kinds: EventFieldRules.holdingKinds)
        let amount = try reader.amount("amountFen")
        let destination = try RefundDestination.read("destination", from: &reader)
        try self.init(
            refundOrderID: refundOrderID, originalOrderID: originalOrderID, payer: payer, amount: amount,
            destination: destination)
    }
}
