import PaystreamCore

/// A channel that collects money from payers: WeChat Pay (Native QR) or Alipay (precreate QR).
///
/// Guarantees shared by every implementation:
/// - every request is signed as the channel requires and every answer's signature is verified before any field of
///   it is read; an answer that does not verify is a ``ChannelError`` with `.badResponseSignature`, never a result;
/// - amounts are ``Amount`` values in fen, read from the channel exactly (integers in fen, or yuan strings through
///   `Amount.parseYuan`), never through floating point;
/// - every failure is a ``ChannelError``; calls are retried (within the configured bound) only when they carry the
///   channel's idempotency key (out_trade_no, out_refund_no) or are reads, so a retry cannot pay or refund twice;
/// - nothing is cached: each call asks the channel.
public protocol PaymentChannel: Sendable {
    /// The channel this client talks to.
    var channel: Channel { get }

    /// Creates an unpaid order at the channel and returns the text to render as a QR code.
    /// Idempotent on `request.outTradeNo` at the channel (same order again gives the same kind of answer).
    func createQRPayment(_ request: PaymentOrder) async throws(ChannelError) -> QRPayment

    /// The order's current state at the channel. An order the channel does not know is `.notFound`.
    func queryPayment(outTradeNo: String) async throws(ChannelError) -> PaymentStatus

    /// Closes an unpaid order so that it can no longer be paid. Closing a paid order fails with `.rejected`.
    func closePayment(outTradeNo: String) async throws(ChannelError)

    /// Refunds part or all of a paid order. Idempotent on `request.outRefundNo`.
    func refund(_ request: RefundRequest) async throws(ChannelError) -> RefundStatus

    /// The state of one refund.
    func queryRefund(outTradeNo: String, outRefundNo: String) async throws(ChannelError) -> RefundStatus
}

/// A channel that pays money out: Bill99 pay-to-bank, WeChat Pay transfer to a user's balance.
///
/// Guarantees: the same as ``PaymentChannel``; a payout is idempotent on ``PayoutRequest/payoutID`` (the
/// channel's out_bill_no / orderId), so asking again after a timeout returns the existing payout's state instead
/// of paying twice. A ``PayoutStatus`` in `.processing` is not final: poll ``queryPayout(payoutID:)`` or wait for
/// the notify.
public protocol PayoutChannel: Sendable {
    var channel: Channel { get }

    /// Asks the channel to pay `request.amount` to `request.destination`.
    func requestPayout(_ request: PayoutRequest) async throws(ChannelError) -> PayoutStatus

    /// The payout's current state at the channel.
    func queryPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus

    /// Cancels a payout the channel has not paid yet (a WeChat transfer waiting for the user's confirmation) and
    /// answers its state: `.cancelled`, or `.processing` while the channel is cancelling it. Throws `.rejected` when
    /// the payout can no longer be cancelled, `.invalidRequest` for a channel that cancels nothing.
    func cancelPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus
}

extension PayoutChannel {
    public func cancelPayout(payoutID: String) async throws(ChannelError) -> PayoutStatus {
        throw ChannelError(.invalidRequest, channel: channel, operation: "\(channel.rawValue).cancel_payout", message: "this channel cancels no payout")
    }
}
