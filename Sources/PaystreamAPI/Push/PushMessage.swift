import Foundation
import PaystreamCore

/// A push message on `paystream.notifications.outbound` that is not a ledger follow-up: an envelope's
/// announcements, addressed to a group or a user.
///
/// JSON: `{"audience":"group:family"|"user:42","event":"envelope.available","envelopeId","sender","greeting",
/// "totalFen","shares"}` (envelope.finished carries `envelopeId` and `grabbedFen`). Keyed by the audience.
struct PushMessage: Codable, Sendable, Equatable {
    var audience: String
    var event: String
    var envelopeId: String?
    var sender: String?
    var greeting: String?
    var totalFen: Int64?
    var shares: Int?
    var grabbedFen: Int64?
    /// `group.left`: the group the audience (an account) is no longer a member of.
    var groupId: String? = nil

    /// Pushed to an account removed from a group (or that left it); every API process then stops relaying the
    /// group's announcements to that account's open streams.
    static let groupLeft = "group.left"
}

extension PushHub.Event {
    /// The event a ledger follow-up becomes for its recipient.
    init(notification: OutboundNotification) {
        let name: String =
            switch notification.event {
            case .envelopeGrabbed: "grab.credited"
            case .envelopeExpired: "envelope.refunded"
            case .envelopeRestReturned: "envelope.rest_returned"
            case .refundRequested: "refund.done"
            case .refundReturned: "refund.returned"
            case .paymentSucceeded: "payment.credited"
            case .envelopeWalletFunded: "envelope.funded"
            case .transferRequested: "transfer.credited"
            case .paymentFailed: "payment.failed"
            case .withdrawalRequested, .withdrawalApproved, .withdrawalPaidOut, .withdrawalRejected, .withdrawalFailed: "withdrawal.updated"
            }
        self.init(name: name, data: String(decoding: notification.encode(), as: UTF8.self))
    }
}
