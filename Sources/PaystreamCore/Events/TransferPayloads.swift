/// A request to move money from one account's frozen bucket to another's available bucket.
///
/// Guarantees: `orderID` is an order id; `from` and `to` hold money of their own (not clearing);
/// `amount > 0`. Canonical key `transfer:<orderID>`. JSON payload: `{"orderId","from","to","amountFen"}`.
public struct TransferRequested: Sendable, Hashable {
    public let orderID: String
    public let from: AccountID
    public let to: AccountID
    public let amount: Amount

    public init(orderID: String, from: AccountID, to: AccountID, amount: Amount) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.from = try EventFieldRules.account(from, field: "payload.from", kinds: EventFieldRules.holdingKinds)
        self.to = try EventFieldRules.account(to, field: "payload.to", kinds: EventFieldRules.holdingKinds)
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "transfer:\(orderID)" }
    /// The receiver's incoming order, `<orderID>:in`.
    public var incomingOrderID: String { "\(orderID):in" }

    var jsonMembers: [String: JSONValue] {
        [
            "orderId": .string(orderID), "from": .string(from.description), "to": .string(to.description),
            "amountFen": .number(String(amount.fen)),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let from = try reader.account("from", kinds: EventFieldRules.holdingKinds)
        let to = try reader.account("to", kinds: EventFieldRules.holdingKinds)
        let amount = try reader.amount("amountFen")
        try self.init(orderID: orderID, from: from, to: to, amount: amount)
    }
}

/// A user grabbed a part of a red envelope (the split was decided in Redis by the API).
///
/// Guarantees: `envelopeOrderID` and `grabID` are ids; `sender` and `grabber` are users; `amount > 0`.
/// Canonical key `grab:<grabID>`; Kafka key the envelope's order. JSON payload:
/// `{"envelopeOrderId","grabId","sender","grabber","amountFen"}`.
public struct EnvelopeGrabbed: Sendable, Hashable {
    public let envelopeOrderID: String
    public let grabID: String
    public let sender: AccountID
    public let grabber: AccountID
    public let amount: Amount

    public init(
        envelopeOrderID: String, grabID: String, sender: AccountID, grabber: AccountID, amount: Amount
    ) throws(EventDecodingError) {
        self.envelopeOrderID = try EventFieldRules.orderID(envelopeOrderID, field: "payload.envelopeOrderId")
        self.grabID = try EventFieldRules.orderID(grabID, field: "payload.grabId")
        self.sender = try EventFieldRules.account(sender, field: "payload.sender", kinds: [.user])
        self.grabber = try EventFieldRules.account(grabber, field: "payload.grabber", kinds: [.user])
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
    }

    public var orderKey: String { envelopeOrderID }
    public var canonicalIdempotencyKey: String { "grab:\(grabID)" }
    /// The grabber's incoming order, `grab:<grabID>`.
    public var incomingOrderID: String { "grab:\(grabID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "envelopeOrderId": .string(envelopeOrderID), "grabId": .string(grabID),
            "sender": .string(sender.description), "grabber": .string(grabber.description),
            "amountFen": .number(String(amount.fen)),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let envelopeOrderID = try reader.string("envelopeOrderId")
        let grabID = try reader.string("grabId")
        let sender = try reader.account("sender", kinds: [.user])
        let grabber = try reader.account("grabber", kinds: [.user])
        let amount = try reader.amount("amountFen")
        try self.init(envelopeOrderID: envelopeOrderID, grabID: grabID, sender: sender, grabber: grabber, amount: amount)
    }
}
