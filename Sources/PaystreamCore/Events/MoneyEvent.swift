import Foundation

/// One message on a money topic: a versioned envelope around exactly one business event.
///
/// JSON layout (version 1), written with sorted keys and no whitespace by ``encode()``:
/// ```
/// {"correlationId":"req-7",                      // optional: absent or null when unknown
///  "idempotencyKey":"transfer:o-1",              // must equal payload.canonicalIdempotencyKey
///  "occurredAt":"2024-05-01T12:00:00.250Z",      // ISO-8601 UTC with milliseconds
///  "payload":{"amountFen":1200,"from":"user:1","orderId":"o-1","to":"user:2"},
///  "type":"transferRequested",                   // an EventType raw value
///  "version":1}
/// ```
/// Amounts are `amountFen`: positive integer tokens of fen (never floats, strings or exponents); accounts are
/// `kind:name` strings. Each payload type documents its fields. Fields not defined by the version are refused.
///
/// Guarantees, for every value (built or decoded):
/// - `version == 1`, `idempotencyKey == payload.canonicalIdempotencyKey` (money.md rule 4);
/// - every amount is more than zero fen, every id and account has its documented format;
/// - `occurredAt` is a whole millisecond between years 0001 and 9999, so
///   `MoneyEvent.decode(event.encode()) == event` for every event, and `encode()` is byte-for-byte stable.
public struct MoneyEvent: Sendable, Equatable {
    /// The schema version this code reads and writes.
    public static let currentVersion = 1
    /// Messages longer than this are refused before parsing.
    public static let maxEncodedBytes = 64 * 1024

    /// The business event; see each payload type for its fields, its order key and its canonical key.
    public enum Payload: Sendable, Hashable {
        case paymentSucceeded(PaymentSucceeded)
        case paymentFailed(PaymentFailed)
        case transferRequested(TransferRequested)
        case envelopeGrabbed(EnvelopeGrabbed)
        case refundRequested(RefundRequested)
        case refundReturned(RefundReturned)
        case withdrawalRequested(WithdrawalRequested)
        case withdrawalApproved(WithdrawalApproved)
        case withdrawalPaidOut(WithdrawalPaidOut)
        case withdrawalRejected(WithdrawalRejected)
        case withdrawalFailed(WithdrawalFailed)
        case envelopeWalletFunded(EnvelopeWalletFunded)
        case envelopeExpired(EnvelopeExpired)
        case envelopeRestReturned(EnvelopeRestReturned)

        public var type: EventType {
            switch self {
            case .paymentSucceeded: .paymentSucceeded
            case .paymentFailed: .paymentFailed
            case .transferRequested: .transferRequested
            case .envelopeGrabbed: .envelopeGrabbed
            case .refundRequested: .refundRequested
            case .refundReturned: .refundReturned
            case .withdrawalRequested: .withdrawalRequested
            case .withdrawalApproved: .withdrawalApproved
            case .withdrawalPaidOut: .withdrawalPaidOut
            case .withdrawalRejected: .withdrawalRejected
            case .withdrawalFailed: .withdrawalFailed
            case .envelopeWalletFunded: .envelopeWalletFunded
            case .envelopeExpired: .envelopeExpired
            case .envelopeRestReturned: .envelopeRestReturned
            }
        }

        /// The order that owns the money, used as the Kafka message key: the order id; for a grab the
        /// envelope's order; for a refund the original order.
        public var orderKey: String {
            switch self {
            case .paymentSucceeded(let p): p.orderKey
            case .paymentFailed(let p): p.orderKey
            case .transferRequested(let p): p.orderKey
            case .envelopeGrabbed(let p): p.orderKey
            case .refundRequested(let p): p.orderKey
            case .refundReturned(let p): p.orderKey
            case .withdrawalRequested(let p): p.orderKey
            case .withdrawalApproved(let p): p.orderKey
            case .withdrawalPaidOut(let p): p.orderKey
            case .withdrawalRejected(let p): p.orderKey
            case .withdrawalFailed(let p): p.orderKey
            case .envelopeWalletFunded(let p): p.orderKey
            case .envelopeExpired(let p): p.orderKey
            case .envelopeRestReturned(let p): p.orderKey
            }
        }

        /// The idempotency key naming this business step, e.g. `grab:<grabId>`.
        public var canonicalIdempotencyKey: String {
            switch self {
            case .paymentSucceeded(let p): p.canonicalIdempotencyKey
            case .paymentFailed(let p): p.canonicalIdempotencyKey
            case .transferRequested(let p): p.canonicalIdempotencyKey
            case .envelopeGrabbed(let p): p.canonicalIdempotencyKey
            case .refundRequested(let p): p.canonicalIdempotencyKey
            case .refundReturned(let p): p.canonicalIdempotencyKey
            case .withdrawalRequested(let p): p.canonicalIdempotencyKey
            case .withdrawalApproved(let p): p.canonicalIdempotencyKey
            case .withdrawalPaidOut(let p): p.canonicalIdempotencyKey
            case .withdrawalRejected(let p): p.canonicalIdempotencyKey
            case .withdrawalFailed(let p): p.canonicalIdempotencyKey
            case .envelopeWalletFunded(let p): p.canonicalIdempotencyKey
            case .envelopeExpired(let p): p.canonicalIdempotencyKey
            case .envelopeRestReturned(let p): p.canonicalIdempotencyKey
            }
        }
    }

    public let version: Int
    public let idempotencyKey: String
    public let occurredAt: Date
    public let correlationID: String?
    public let payload: Payload

    public var type: EventType { payload.type }
    /// The Kafka message key: ``Payload/orderKey``.
    public var orderKey: String { payload.orderKey }

    /// An event of the current version whose idempotency key is the payload's canonical key.
    ///
    /// `occurredAt` is rounded to the millisecond (the precision of the JSON form). Throws
    /// `event.invalid_field` for a time outside years 0001...9999 or a correlation id that is not a token.
    public init(payload: Payload, occurredAt: Date, correlationID: String? = nil) throws(EventDecodingError) {
        let milliseconds = ISO8601Timestamp.milliseconds(of: occurredAt)
        guard ISO8601Timestamp.representableMilliseconds.contains(milliseconds) else {
            throw .invalidField("occurredAt", "must be within the years 0001...9999")
        }
        if let correlationID { _ = try EventFieldRules.token(correlationID, field: "correlationId") }
        self.version = Self.currentVersion
        self.idempotencyKey = payload.canonicalIdempotencyKey
        self.occurredAt = ISO8601Timestamp.date(fromMilliseconds: milliseconds)
        self.correlationID = correlationID
        self.payload = payload
    }
}
