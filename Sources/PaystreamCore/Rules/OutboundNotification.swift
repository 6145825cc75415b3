/// The message telling a party that money moved for them, published on `paystream.notifications.outbound`
/// keyed by the recipient's account string.
///
/// JSON: `{"amountFen":1200,"event":"transferRequested","orderId":"o-1:in","recipient":"user:2"}` (sorted keys).
/// Guarantees: `recipient` is the credited party (the account whose money arrived or came back), or the
/// order's owner when the event credits nobody on the platform (a failed payment, a withdrawal request,
/// approval or payout, a refund out through a channel, which notifies its payer); `orderID` is the
/// recipient's own order (`<orderId>:in` for a transfer, `grab:<grabId>` for a grab, the refund order for a
/// refund); `amount > 0`.
public struct OutboundNotification: Sendable, Equatable {
    /// The topic family notifications go to.
    public static let topicFamily = "paystream.notifications.outbound"

    public let recipient: AccountID
    public let orderID: String
    public let event: EventType
    public let amount: Amount

    public init(recipient: AccountID, orderID: String, event: EventType, amount: Amount) {
        self.recipient = recipient
        self.orderID = orderID
        self.event = event
        self.amount = amount
    }

    /// Canonical JSON bytes (sorted keys, no whitespace).
    public func encode() -> [UInt8] {
        JSONWriter.write(
            .object([
                "recipient": .string(recipient.description), "orderId": .string(orderID),
                "event": .string(event.rawValue), "amountFen": .number(String(amount.fen)),
            ]))
    }

    /// Decodes a notification with the same strictness as ``MoneyEvent/decode(_:)``.
    public static func decode(_ bytes: [UInt8]) throws(EventDecodingError) -> OutboundNotification {
        let root: JSONValue
        do throws(JSONParser.Failure) {
            root = try JSONParser.parse(bytes, maxBytes: MoneyEvent.maxEncodedBytes, maxDepth: 4)
        } catch {
            throw .malformedJSON("at byte \(error.offset): \(error.message)")
        }
        guard case .object = root else { throw .malformedJSON("the message is \(root.typeName), not an object") }
        var reader = try EventFieldReader(root, path: "")
        let recipient = try reader.account("recipient", kinds: Set(AccountID.Kind.allCases))
        let orderID = try reader.string("orderId")
        let event = try reader.choice("event", as: EventType.self)
        let amount = try reader.amount("amountFen")
        try reader.finish()
        return OutboundNotification(recipient: recipient, orderID: orderID, event: event, amount: amount)
    }

    /// This notification as a follow-up message keyed by the recipient.
    public var followUp: FollowUp {
        FollowUp(topicFamily: Self.topicFamily, key: recipient.description, payload: encode())
    }
}
