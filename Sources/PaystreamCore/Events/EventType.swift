/// The kinds of money event carried on the money topics; the raw value is the JSON `type` field.
///
/// Guarantees: raw values are stable; adding a case is a schema change that consumers must know first.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case paymentSucceeded
    case paymentFailed
    case transferRequested
    case envelopeGrabbed
    case refundRequested
    case refundReturned
    case withdrawalRequested
    case withdrawalApproved
    case withdrawalPaidOut
    case withdrawalRejected
    case withdrawalFailed
    case envelopeWalletFunded
    case envelopeExpired
    case envelopeRestReturned
}
