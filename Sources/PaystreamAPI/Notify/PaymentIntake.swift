import Channels
import Foundation
import PaystreamCore

/// Turns a verified payment notify into a money event on Kafka, or explains why not.
///
/// Guarantees: an event is produced only for an order this platform created, paid through the channel it
/// was created for, for exactly the order's amount, and not failed or closed here (such a payment is held for
/// review, as one for another amount is); ``paid(…)`` returns `.published` only after Kafka
/// acknowledged the event, so the channel is acknowledged only then. A duplicate notify publishes the same
/// idempotency key (`notify:<channel>:<transaction id>`) again, which the worker applies once.
struct PaymentIntake: Sendable {
    let services: APIServices

    enum Result: Equatable {
        case published
        /// Not an order of ours: the channel gets an error answer and retries (and an operator looks).
        case unknownOrder
        /// Authentic but not creditable as it is; recorded in payment_reviews, acknowledged, not credited.
        case heldForReview(String)
        /// A failure or close for an order that is no longer waiting: nothing to do.
        case ignored(String)
    }

    func paid(channel: Channel, outTradeNo: String, transactionID: String?, amount: Amount?) async throws -> Result {
        guard let payment = try await services.store.channelPayment(outTradeNo) else {
            services.logger.error(
                "payment notify for an unknown order", metadata: ["channel": "\(channel.rawValue)", "out_trade_no": "\(outTradeNo)"])
            return .unknownOrder
        }
        guard let transactionID, !transactionID.isEmpty else {
            return try await hold(payment, channel, "-", amount, "notify without a transaction id")
        }
        guard payment.channel == channel else {
            return try await hold(payment, channel, transactionID, amount, "paid through \(channel.rawValue), ordered through \(payment.channel.rawValue)")
        }
        guard let amount, amount == payment.amount else {
            return try await hold(
                payment, channel, transactionID, amount, "paid \(amount?.fen.description ?? "an unknown amount") fen, order is \(payment.amount.fen) fen")
        }
        // The order failed here (closed unpaid, its attempt refused) and the channel took the money after all: the
        // ledger would refuse the event (an illegal transition, dead-lettered). The payment is the operator's, as any
        // that cannot be credited as it is.
        if let status = payment.orderStatus, status == "failed" || status == "closed" {
            return try await hold(payment, channel, transactionID, amount, "paid after the order \(status) here")
        }
        let event = try MoneyEvent(
            payload: .paymentSucceeded(
                try PaymentSucceeded(
                    orderID: payment.orderID, channel: channel, channelTransactionID: transactionID, amount: amount, payer: payment.account,
                    purpose: payment.purpose)),
            occurredAt: services.now(), correlationID: payment.correlationID)
        try await services.publisher.publish(event, family: .paymentCallbacks, traceparent: payment.traceparent)
        services.logger.info(
            "payment notify accepted",
            metadata: ["order_id": "\(payment.orderID)", "channel": "\(channel.rawValue)", "transaction_id": "\(transactionID)", "fen": "\(amount.fen)", "correlation_id": "\(payment.correlationID ?? "")"])
        return .published
    }

    func failed(channel: Channel, outTradeNo: String, reason: String) async throws -> Result {
        guard let payment = try await services.store.channelPayment(outTradeNo) else { return .unknownOrder }
        guard let order = try await services.store.order(payment.orderID), order.status == "created" else {
            return .ignored("order is no longer waiting for payment")
        }
        let event = try MoneyEvent(
            payload: .paymentFailed(try PaymentFailed(orderID: payment.orderID, channel: channel, reason: reason)),
            occurredAt: services.now(), correlationID: payment.correlationID)
        try await services.publisher.publish(event, family: .paymentCallbacks, traceparent: payment.traceparent)
        return .published
    }

    private func hold(
        _ payment: PaymentStore.ChannelPayment, _ channel: Channel, _ transactionID: String, _ paid: Amount?, _ reason: String
    ) async throws -> Result {
        try await services.store.holdForReview(
            channel: channel, orderID: payment.orderID, transactionID: transactionID, expected: payment.amount, paid: paid, reason: reason)
        services.logger.error(
            "payment notify held for review, not credited",
            metadata: ["order_id": "\(payment.orderID)", "channel": "\(channel.rawValue)", "transaction_id": "\(transactionID)", "reason": "\(reason)"])
        return .heldForReview(reason)
    }
}
