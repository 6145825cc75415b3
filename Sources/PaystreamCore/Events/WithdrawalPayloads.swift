/// A user or merchant asked to withdraw money to a channel; the amount is frozen until the order ends.
///
/// Guarantees: `orderID` is an order id; `account` is a user or merchant; `amount > 0`. Canonical key
/// `withdraw-request:<orderID>`. JSON payload: `{"orderId","account","amountFen","channel"}`.
public struct WithdrawalRequested: Sendable, Hashable {
    public let orderID: String
    public let account: AccountID
    public let amount: Amount
    public let channel: Channel

    public init(orderID: String, account: AccountID, amount: Amount, channel: Channel) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.account = try EventFieldRules.account(account, field: "payload.account", kinds: [.user, .merchant])
        self.amount = try EventFieldRules.positive(amount, field: "payload.amountFen")
        self.channel = channel
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "withdraw-request:\(orderID)" }

    var jsonMembers: [String: JSONValue] {
        [
            "orderId": .string(orderID), "account": .string(account.description),
            "amountFen": .number(String(amount.fen)), "channel": .string(channel.rawValue),
        ]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let account = try reader.account("account", kinds: [.user, .merchant])
        let amount = try reader.amount("amountFen")
        let channel = try reader.channel("channel")
        try self.init(orderID: orderID, account: account, amount: amount, channel: channel)
    }
}

/// The back office approved a withdrawal. Canonical key `withdraw-approve:<orderID>`.
/// Guarantees: `approvedBy` is a token naming the operator. JSON payload: `{"orderId","approvedBy"}`.
public struct WithdrawalApproved: Sendable, Hashable {
    public let orderID: String
    public let approvedBy: String

    public init(orderID: String, approvedBy: String) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.approvedBy = try EventFieldRules.token(approvedBy, field: "payload.approvedBy")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "withdraw-approve:\(orderID)" }

    var jsonMembers: [String: JSONValue] { ["orderId": .string(orderID), "approvedBy": .string(approvedBy)] }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let approvedBy = try reader.string("approvedBy")
        try self.init(orderID: orderID, approvedBy: approvedBy)
    }
}

/// The channel paid an approved withdrawal out. Canonical key `withdraw-paid:<orderID>`.
/// JSON payload: `{"orderId","channelTransactionId"}`.
public struct WithdrawalPaidOut: Sendable, Hashable {
    public let orderID: String
    public let channelTransactionID: String

    public init(orderID: String, channelTransactionID: String) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.channelTransactionID = try EventFieldRules.token(channelTransactionID, field: "payload.channelTransactionId")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "withdraw-paid:\(orderID)" }

    var jsonMembers: [String: JSONValue] {
        ["orderId": .string(orderID), "channelTransactionId": .string(channelTransactionID)]
    }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let transactionID = try reader.string("channelTransactionId")
        try self.init(orderID: orderID, channelTransactionID: transactionID)
    }
}

/// The back office rejected a requested withdrawal (before approval). Canonical key `withdraw-reject:<orderID>`.
/// JSON payload: `{"orderId","reason"}`.
public struct WithdrawalRejected: Sendable, Hashable {
    public let orderID: String
    public let reason: String

    public init(orderID: String, reason: String) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.reason = try EventFieldRules.text(reason, field: "payload.reason")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "withdraw-reject:\(orderID)" }

    var jsonMembers: [String: JSONValue] { ["orderId": .string(orderID), "reason": .string(reason)] }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let reason = try reader.string("reason")
        try self.init(orderID: orderID, reason: reason)
    }
}

/// The channel failed to pay an approved withdrawal out. Canonical key `withdraw-fail:<orderID>`.
/// JSON payload: `{"orderId","reason"}`.
public struct WithdrawalFailed: Sendable, Hashable {
    public let orderID: String
    public let reason: String

    public init(orderID: String, reason: String) throws(EventDecodingError) {
        self.orderID = try EventFieldRules.orderID(orderID, field: "payload.orderId")
        self.reason = try EventFieldRules.text(reason, field: "payload.reason")
    }

    public var orderKey: String { orderID }
    public var canonicalIdempotencyKey: String { "withdraw-fail:\(orderID)" }

    var jsonMembers: [String: JSONValue] { ["orderId": .string(orderID), "reason": .string(reason)] }

    init(reading reader: inout EventFieldReader) throws(EventDecodingError) {
        let orderID = try reader.string("orderId")
        let reason = try reader.string("reason")
        try self.init(orderID: orderID, reason: reason)
    }
}
