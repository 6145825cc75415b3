import EventBus
import Foundation
import Kafka
import Logging
import PaystreamCore
import PaystreamRuntime
import Postgres
import QRCode
import Risk

/// Everything the routes use: the store, the event publisher, the channels and the risk engine.
struct APIServices: Sendable {
    let store: PaymentStore
    let publisher: EventPublisher
    let channels: ChannelSet
    let risk: RiskEngine
    let envelopes: EnvelopeHotState
    let push: PushHub
    let security: APISecurity
    /// SMS verification codes (card binding), sent through the channels' SMS gateway.
    let sms: SMSCodes
    /// The gray (canary) release rule in force: which new orders take the gray route (``TrafficRoute``).
    let gray: GrayRuleCache
    /// The cluster's client settings, for the console's reading and replaying of dead letters.
    let kafka: KafkaConfiguration
    /// The URL clients and channels reach this API at (notify URLs and collection pages are built from it).
    let publicURL: String
    let logger: Logger
    let now: @Sendable () -> Date
    /// Seconds between questions about an abnormal refund, whether its state came by answer, query or notify (the
    /// merchant may take days to finish it; `paystream-api --refund-abnormal-recheck-seconds`).
    var refundAbnormalRecheckSeconds: Int64 = 600
    /// Days after a payment within which its channel takes a refund of it (WeChat Pay: one year; Alipay: what the
    /// merchant's contract sets, three months unless agreed otherwise). `paystream-api --refund-window-days-*`.
    var refundWindowDays: [Channel: Int] = [.wechat: 365, .alipay: 90]

    /// A new order number of `kind` whose route (its gene) the gray rule decides for `user` or `merchant`.
    func orderNumber(_ kind: OrderNumbers.Kind, user: String? = nil, merchant: String? = nil) -> String {
        OrderNumbers.make(kind, now: now(), route: gray.rule.route(user: user, merchant: merchant))
    }

    /// Largest amount one request may move (50,000.00 CNY), before any risk rule.
    static let maxAmountFen: Int64 = 5_000_000

    func amount(_ fen: Int64?, field: String = "amountFen") throws(APIError) -> Amount {
        guard let fen else { throw .badRequest("request.missing_field", "\(field) is required (an integer number of fen)") }
        guard fen > 0, fen <= Self.maxAmountFen else {
            throw .badRequest("amount.out_of_range", "\(field) must be 1...\(Self.maxAmountFen) fen")
        }
        return try! Amount(fen: fen)
    }

    /// Groups envelopes are sent to, and their members.
    var groups: GroupMembers { GroupMembers(postgres: store.postgres, envelopes: envelopes, logger: logger) }

    func png(_ text: String) throws(APIError) -> [UInt8] {
        do { return try QRCode.png(for: text, scale: 8, border: 4) } catch {
            throw APIError(.internalServerError, "qr.render_failed", "the QR code could not be rendered")
        }
    }
}
