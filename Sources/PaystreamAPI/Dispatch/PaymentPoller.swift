import Channels
import Foundation
import Logging
import PaystreamCore
import Postgres
import ServiceLifecycle

/// Asks the channel about payment orders whose notify has not arrived (a dropped notify, a late channel), so a
/// payment is credited even if its notify never comes, and closes orders left unpaid past their expiry.
///
/// Guarantees: a paid order found this way goes through the same ``PaymentIntake`` as a notify (same checks,
/// same idempotency key `notify:<channel>:<transaction id>`), so a notify arriving as well is applied once. An
/// order past its expiry, or whose payment attempt failed (WeChat PAYERROR, after which the payer could still pay
/// it), is closed at the channel and then failed; one the channel does not know at all (an Alipay QR
/// nobody scanned) is failed without closing. The expiry (`expireAfter`, 2 h 15 min) must stay past the channels'
/// own (`time_expire`, 2 h after creation), so that a failed order can no longer be paid.
/// Orders are claimed with SKIP LOCKED; each is asked again with growing intervals (5 s … 10 min).
struct PaymentPoller: Service {
    let services: APIServices
    /// How old an unpaid order must be before the channel is asked about it.
    let queryAfter: Duration
    /// How long an order may stay unpaid before it is closed at the channel and marked failed.
    var expireAfter: Duration = .seconds(2 * 3600 + 15 * 60)
    var interval: Duration = .seconds(1)

    func run() async throws {
        await runDispatchLoop("payment polling", interval: interval, logger: services.logger) { try await pollOnce() }
    }

    func pollOnce() async throws -> Int {
        let queryAfterMs = Int64(queryAfter.components.seconds * 1000 + queryAfter.components.attoseconds / 1_000_000_000_000_000)
        let expireAfterSeconds = expireAfter.components.seconds
        return try await services.store.postgres.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT p.order_id, p.channel, p.query_attempts, (o.created_at < now() - \(expireAfterSeconds) * interval '1 second') AS expired
                FROM channel_payments p JOIN orders o ON o.order_id = p.order_id
                WHERE p.created_at > now() - interval '1 day'
                  AND o.status = 'created' AND o.created_at < now() - \(queryAfterMs) * interval '1 millisecond'
                  AND (p.next_query_at IS NULL OR p.next_query_at <= now())
                ORDER BY p.next_query_at NULLS FIRST LIMIT 20
                FOR UPDATE OF p SKIP LOCKED
                """)
            for row in rows {
                let orderID = try row.decode(String.self, column: "order_id")
                let attempts = try row.decode(Int.self, column: "query_attempts")
                guard let channel = Channel(rawValue: try row.decode(String.self, column: "channel")) else { continue }
                do {
                    _ = try await ask(orderID, channel: channel, expired: try row.decode(Bool.self, column: "expired"))
                } catch let error as ChannelError {
                    services.logger.warning("payment query failed; will ask again", metadata: ["order_id": "\(orderID)", "error": "\(error)"])
                }
                try await connection.execute(
                    """
                    UPDATE channel_payments SET query_attempts = query_attempts + 1,
                           next_query_at = now() + make_interval(secs => \(min(600, 5 << min(attempts, 7))))
                    WHERE order_id = \(orderID)
                    """)
            }
            return rows.count
        }
    }

    /// What asking the channel about one order did.
    enum Outcome: String, Sendable {
        /// Paid: the payment went through the intake (``PaymentIntake/paid(channel:outTradeNo:transactionID:amount:)``).
        case paid
        /// Paid, but not as ordered (another amount or channel): held for review, not credited.
        case heldForReview
        /// Closed at the channel, or closed by this call: the order is failed.
        case failed
        /// Not paid yet, and not past its expiry.
        case waiting
        /// Paid, but the ledger refused this payment's event before (its dead letter holds it): published again it
        /// would only be a duplicate. An operator replays the dead letter once its cause is fixed.
        case refusedByTheLedger
    }

    /// Closes `orderID` at the channel, asks again, and fails it here only once the channel says it is closed: a payment
    /// made between the question and the close (a channel that closes a paid order without refusing) is then found
    /// paid on the next round instead of being failed here.
    private func closeThenFail(_ orderID: String, channel: Channel, client: any PaymentChannel, reason: String) async throws -> Outcome {
        try await client.closePayment(outTradeNo: orderID)
        let after = try await client.queryPayment(outTradeNo: orderID)
        guard after.state == .closed else {
            services.logger.warning(
                "order not closed at the channel after closing it; asking again", metadata: ["order_id": "\(orderID)", "state": "\(after.rawState)"])
            return .waiting
        }
        _ = try await PaymentIntake(services: services).failed(channel: channel, outTradeNo: orderID, reason: reason)
        return .failed
    }

    /// The ledger's refusal of the event under `key` (`rejected:<code>`), if it refused it.
    private func refusal(of key: String) async throws -> String? {
        let rows = try await services.store.postgres.query(
            "SELECT result FROM processed_keys WHERE idempotency_key = \(key) AND result LIKE 'rejected:%'")
        return try rows.first?.decode(String.self, column: "result")
    }

    /// Asks the channel about `orderID` and applies the answer through the intake, as a notify would be. `expired`:
    /// the order is past its expiry, so an unpaid one is closed at the channel and failed. Throws the channel's error
    /// when it does not answer.
    func ask(_ orderID: String, channel: Channel, expired: Bool) async throws -> Outcome {
        let intake = PaymentIntake(services: services)
        let client = try services.channels.payments(channel)
        do {
            let status = try await client.queryPayment(outTradeNo: orderID)
            switch status.state {
            case .succeeded, .refunded:
                if let id = status.transactionID, !id.isEmpty, let refusal = try await refusal(of: "notify:\(channel.rawValue):\(id)") {
                    services.logger.warning(
                        "payment found by query, but the ledger refused its event before; replay its dead letter",
                        metadata: ["order_id": "\(orderID)", "channel": "\(channel.rawValue)", "refusal": "\(refusal)"])
                    return .refusedByTheLedger
                }
                services.logger.notice("payment found by query (no notify yet)", metadata: ["order_id": "\(orderID)", "channel": "\(channel.rawValue)"])
                let result = try await intake.paid(channel: channel, outTradeNo: orderID, transactionID: status.transactionID, amount: status.amount)
                return result == .published ? .paid : .heldForReview
            case .closed:
                _ = try await intake.failed(channel: channel, outTradeNo: orderID, reason: "\(channel.rawValue) \(status.rawState)")
                return .failed
            case .failed:
                // A failed attempt (WeChat PAYERROR) leaves the order payable: the payer may try again. It is
                // closed at the channel first, so that no payment can come after the order is failed here.
                return try await closeThenFail(orderID, channel: channel, client: client, reason: "\(channel.rawValue) \(status.rawState)")
            case .notPaid, .paying:
                guard expired else { return .waiting }
                return try await closeThenFail(orderID, channel: channel, client: client, reason: "expired unpaid")
            }
        } catch let error as ChannelError where error.code == .notFound {
            // Alipay knows a QR (precreate) trade only once it is scanned. Past the expiry, which is past the
            // channel's own time_expire (2 h), it can no longer be scanned and paid: it ends unpaid.
            guard expired else { return .waiting }
            _ = try await intake.failed(channel: channel, outTradeNo: orderID, reason: "expired unpaid (never scanned)")
            return .failed
        }
    }
}
