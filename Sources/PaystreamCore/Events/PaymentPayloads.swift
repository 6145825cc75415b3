/// A channel reported (in a verified notify callback) that a payment for a recharge, an envelope or a
/// merchant's collection succeeded.
///
/// Guarantees: `orderID` is an order id, `channelTransactionID` a token, `amount > 0`; `payer` is the platform
/// account the payment is for: a user for a recharge or an envelope (the payer), a merchant for a collection
/// (the payee; the paying person is outside the platform).
/// Canonical key `notify:<channel>:<channelTransactionID>`: one channel transaction is applied once.
/// JSON payload: `{"orderId","channel","channelTransactionId","amountFen","payer","purpose"}`.
public struct PaymentSucceeded: Sendable, Hashable {
    /// What the payment was for; decides whether the money lands in `available` or `frozen`.
    public enum Purpose: String, Sendable, Codable, CaseIterable {
        case recharge
        case envelope
        /// Scan-to-collect: the money goes to the merchant named as `payer`.
        case collection

        /// The account kinds that may be named as `payer` for this purpose.
        var payerKinds: Set<AccountID.Kind> { self == .collection ? [.merchant] : [.user] }
    }

    public let orderID: String
    public let channel: Channel
    public let channelTransactionID: String
    public let amount: Amount
    public let payer: AccountID
    public let purpose: Purpose

    public init(
        orderID: String, channel: Channel, channelTransactionID: String, amount: Amount, payer: AccountID,
        purpose: Purpose
    ) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.channel = channel
        self.channelTransactionID = try EventFieldRules.token(channelTransactionID, field: "payload.channelTransactionId")
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
        self.payer = try EventFieldRules.account(payer, field: "payload.payer", kinds: purpose.payerKinds)
        self.purpose = purpose
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "notify:\(channel.rawValue):\(channelTransactionID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "orderId": .string(orderID), "channel": .string(channel.rawValue),
            "channelTransactionId": .string(channelTransactionID), "amountFen": .number(String(amount.fen)),
            "payer": .string(payer.description), "purpose": .string(purpose.rawValue),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let channel = try reader.channel("channel")
        let transactionID = try reader.string("channelTransactionId")
        let amount = try reader.amount("amountFen")
        let purpose = try reader.choice("purpose", as: Purpose.self)
        let payer = try reader.account("payer", kinds: purpose.payerKinds)
        try self.init(
            orderID: orderID, channel: channel, channelTransactionID: transactionID, amount: amount, payer: payer,
            purpose: purpose)
    }
}

/// A channel reported that the payment for an order failed or was closed.
///
/// Guarantees: `orderID` is an order id; `reason` is non-blank text. Canonical key
/// `notify-failed:<channel>:<orderID>`. JSON payload: `{"orderId","channel","reason"}`.
public struct PaymentFailed: Sendable, Hashable {
    public let orderID: String
    public let channel: Channel
    public let reason: String

    public init(orderID: String, channel: Channel, reason: String) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.channel = channel
        self.reason = try EventFieldRules.text(reason, field: "payload.reason")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "notify-failed:\(channel.rawValue):\(orderID)" }

    var jsonMembers: [String: JSONValue] {
        ["orderId": .string(orderID), "channel": .string(channel.rawValue), "reason": .string(reason)]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let channel = try reader.channel("channel")
        let reason = try reader.string("reason")
        try self.init(orderID: orderID, channel: channel, reason: reason)
    }
}
