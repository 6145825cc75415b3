/// A sender paid a red envelope from their wallet instead of through a channel: the total moves from their
/// available to their frozen balance.
///
/// Guarantees: `envelopeOrderID` is an order id; `sender` a user; `amount > 0`. Canonical key
/// `envelope-wallet:<envelopeOrderID>`; Kafka key the envelope's order. JSON payload:
/// `{"envelopeOrderId","sender","amountFen"}`.
public struct EnvelopeWalletFunded: Sendable, Hashable {
    public let envelopeOrderID: String
    public let sender: AccountID
    public let amount: Amount

    public init(envelopeOrderID: String, sender: AccountID, amount: Amount) throws(EventDecodingError) {
        self.envelopeOrderID = try EventFieldRules.orderID(envelopeOrderID, field: "payload.envelopeOrderId")
        self.sender = try EventFieldRules.account(sender, field: "payload.sender", kinds: [.user])
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
    }

    public var orderKey: String { envelopeOrderID }
    public var canonicalIdempotencyKey: String { "envelope-wallet:\(envelopeOrderID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "envelopeOrderId": .string(envelopeOrderID), "sender": .string(sender.description),
            "amountFen": .number(String(amount.fen)),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("envelopeOrderId")
        let sender = try reader.account("sender", kinds: [.user])
        let amount = try reader.amount("amountFen")
        try self.init(envelopeOrderID: orderID, sender: sender, amount: amount)
    }
}

/// A funded red envelope expired: what was not grabbed goes back to the sender, to the channel it was paid
/// with or to the sender's wallet.
///
/// Guarantees: `envelopeOrderID` is an order id; `sender` a user; a wallet destination is the sender.
/// Canonical key `envelope-expire:<envelopeOrderID>`: an envelope expires once. The amount is not in the
/// event: the rule refunds exactly what is left when the event is applied, after every grab before it on the
/// envelope's partition. JSON payload: `{"envelopeOrderId","sender","destination"}` with `destination`
/// `{"type":"channel","channel":"wechat"}` or `{"type":"wallet","account":"user:42"}`.
public struct EnvelopeExpired: Sendable, Hashable {
    public let envelopeOrderID: String
    public let sender: AccountID
    public let destination: RefundDestination

    public init(envelopeOrderID: String, sender: AccountID, destination: RefundDestination) throws(EventDecodingError) {
        self.envelopeOrderID = try EventFieldRules.orderID(envelopeOrderID, field: "payload.envelopeOrderId")
        self.sender = try EventFieldRules.account(sender, field: "payload.sender", kinds: [.user])
        if case .wallet(let wallet) = destination, wallet != sender {
            throw .invalidField("payload.destination.account", "an envelope's rest goes back to its sender \(sender)")
        }
        self.destination = destination
    }

    public var orderKey: String { envelopeOrderID }
    public var canonicalIdempotencyKey: String { "envelope-expire:\(envelopeOrderID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "envelopeOrderId": .string(envelopeOrderID), "sender": .string(sender.description),
            "destination": destination.jsonValue,
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("envelopeOrderId")
        let sender = try reader.account("sender", kinds: [.user])
        let destination = try RefundDestination.read("destination", from: &reader)
        try self.init(envelopeOrderID: orderID, sender: sender, destination: destination)
    }
}

/// The rest of an expired envelope, sent back through the channel it was paid with, that the channel did not refund
/// (the refund ended closed, or was refused for good and is unknown to the channel): it goes to the sender's wallet.
///
/// Guarantees: `envelopeOrderID` is an order id; `sender` is a user; `amount > 0`; `reason` is text. Canonical key
/// `envelope-rest-returned:<envelopeOrderID>` (an envelope's rest comes back once); Kafka key the envelope's order.
/// JSON payload: `{"envelopeOrderId","sender","channel","amountFen","reason"}`.
public struct EnvelopeRestReturned: Sendable, Hashable {
    public let envelopeOrderID: String
    public let sender: AccountID
    public let channel: Channel
    public let amount: Amount
    public let reason: String

    public init(envelopeOrderID: String, sender: AccountID, channel: Channel, amount: Amount, reason: String) throws(EventDecodingError) {
        // The rest's refund order is numbered after it, so that number must be an order id as well.
        _ = try EventFieldRules.orderID(envelopeOrderID + "EXP", field: "payload.envelopeOrderId")
        self.envelopeOrderID = try EventFieldRules.orderID(envelopeOrderID, field: "payload.envelopeOrderId")
        self.sender = try EventFieldRules.account(sender, field: "payload.sender", kinds: [.user])
        self.channel = channel
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
        self.reason = try EventFieldRules.text(reason, field: "payload.reason")
    }

    public var orderKey: String { envelopeOrderID }
    public var canonicalIdempotencyKey: String { "envelope-rest-returned:\(envelopeOrderID)" }
    /// The number the rest's refund was asked of the channel under (the envelope's order number + `EXP`), which the
    /// ledger records as a `failed` refund order.
    public var returnOrderID: String { envelopeOrderID + "EXP" }

    var jsonMembers: [String: JSONValue] {
        [
            "envelopeOrderId": .string(envelopeOrderID), "sender": .string(sender.description), "channel": .string(channel.rawValue),
            "amountFen": .number(String(amount.fen)), "reason": .string(reason),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("envelopeOrderId")
        let sender = try reader.account("sender", kinds: [.user])
        let channel = try reader.channel("channel")
        let amount = try reader.amount("amountFen")
        let reason = try reader.string("reason")
        try self.init(envelopeOrderID: orderID, sender: sender, channel: channel, amount: amount, reason: reason)
    }
}
