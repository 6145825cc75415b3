import Channels
import Foundation
import Hummingbird
import PaystreamCore

/// The channels' notify (callback) endpoints: `POST /notify/wechat`, `/notify/alipay`, `/notify/bill99`.
///
/// Each notify is verified first (signature over the exact bytes, platform key, timestamp window, decryption);
/// a notify that fails gets an error answer naming the check (`notify.bad_signature`, …) and is logged, and
/// nothing from it is used. A verified notify for an order we do not know gets a different error answer
/// (404) and an error log. A verified payment is acknowledged only after its event is on Kafka; an amount
/// that differs from the order is held for review (acknowledged, recorded, not credited).
struct NotifyRoutes: Sendable {
    let services: APIServices

    func register(on router: Router<APIRequestContext>) {
        router.post("/notify/wechat") { request, _ in
            var request = request
            return await answerWeChat(try await request.bodyBytes(), request)
        }
        router.post("/notify/alipay") { request, _ in
            var request = request
            return await answerAlipay(try await request.bodyBytes())
        }
        router.post("/notify/bill99") { request, _ in
            var request = request
            return await answerBill99(try await request.bodyBytes())
        }
    }

    private func wechatError(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        .json(status, ["code": code, "message": message])
    }

    func answerWeChat(_ body: [UInt8], _ request: Request) async -> Response {
        var fields: [String: String] = [:]
        for field in request.headers { fields[field.name.canonicalName] = field.value }
        let notification: WeChatPayNotification
        do {
            notification = try services.channels.wechatNotify.verify(headers: WeChatPayNotifyHeaders(fields), body: body, now: services.now())
        } catch {
            services.logger.warning("WeChat Pay notify rejected", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            let status: HTTPResponse.Status = error.code == .malformed || error.code == .decryptionFailed ? .badRequest : .unauthorized
            return wechatError(status, "FAIL", error.code.rawValue)
        }
        do {
            switch notification.event {
            case .transaction(let transaction):
                let intake = PaymentIntake(services: services)
                let result: PaymentIntake.Result
                switch transaction.state {
                case .succeeded:
                    result = try await intake.paid(
                        channel: .wechat, outTradeNo: transaction.outTradeNo, transactionID: transaction.transactionID,
                        amount: transaction.total)
                case .closed:
                    result = try await intake.failed(channel: .wechat, outTradeNo: transaction.outTradeNo, reason: "WeChat Pay \(transaction.tradeState)")
                case .failed:
                    // Still payable at WeChat: the payment poller closes it there before failing it.
                    result = .ignored("trade state \(transaction.tradeState): left to the payment poller")
                default:
                    result = .ignored("trade state \(transaction.tradeState)")
                }
                if result == .unknownOrder { return wechatError(.notFound, "ORDER_NOT_FOUND", "no order \(transaction.outTradeNo)") }
                return Response(status: .noContent)
            case .refund(let notice):
                try await RefundDispatcher(services: services).record(
                    refundOrderID: notice.outRefundNo, state: notice.state, rawState: notice.refundStatus, refundID: notice.refundID,
                    amount: notice.refund, source: "notify")
                return Response(status: .noContent)
            case .transfer(let status):
                try await PayoutDispatcher(services: services).record(status, source: "notify")
                return Response(status: .noContent)
            case .other:
                return Response(status: .noContent)
            }
        } catch {
            services.logger.error("WeChat Pay notify not processed; the channel will retry", metadata: ["error": "\(error)"])
            return wechatError(.internalServerError, "FAIL", "not processed, retry")
        }
    }

    func answerAlipay(_ body: [UInt8]) async -> Response {
        let notification: AlipayTradeNotification
        do {
            notification = try services.channels.alipayNotify.verifyTradeNotify(formBody: body)
        } catch {
            services.logger.warning("Alipay notify rejected", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            return .text(error.code == .malformed ? .badRequest : .unauthorized, "failure: \(error.code.rawValue)")
        }
        do {
            let intake = PaymentIntake(services: services)
            if let refundFee = notification.refundFee, refundFee.fen > 0, let outBizNo = notification.outBizNo {
                // A refund of the trade (partial: TRADE_SUCCESS with refund_fee; full: TRADE_CLOSED). Its refund_fee is
                // everything refunded on the trade so far, not this refund's amount, so there is none to compare.
                try await RefundDispatcher(services: services).record(
                    refundOrderID: outBizNo, state: .succeeded, rawState: notification.tradeStatus, refundID: nil, amount: nil,
                    source: "notify")
                return .text(.ok, AlipayNotifyVerifier.acknowledgement)
            }
            let result: PaymentIntake.Result
            switch notification.state {
            case .succeeded:
                result = try await intake.paid(
                    channel: .alipay, outTradeNo: notification.outTradeNo, transactionID: notification.tradeNo, amount: notification.totalAmount)
            case .closed:
                result = try await intake.failed(channel: .alipay, outTradeNo: notification.outTradeNo, reason: "Alipay \(notification.tradeStatus)")
            default:
                result = .ignored("trade status \(notification.tradeStatus)")
            }
            if result == .unknownOrder { return .text(.notFound, "failure: unknown order") }
            return .text(.ok, AlipayNotifyVerifier.acknowledgement)
        } catch {
            services.logger.error("Alipay notify not processed; the channel will retry", metadata: ["error": "\(error)"])
            return .text(.internalServerError, "failure")
        }
    }

    func answerBill99(_ body: [UInt8]) async -> Response {
        let status: PayoutStatus
        do {
            status = try services.channels.bill99Notify.verify(body: body)
        } catch {
            services.logger.warning("Bill99 notify rejected", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            return .text(error.code == .malformed ? .badRequest : .unauthorized, "failure: \(error.code.rawValue)")
        }
        do {
            try await PayoutDispatcher(services: services).record(status, source: "notify")
            return .text(.ok, "0000")
        } catch {
            services.logger.error("Bill99 notify not processed; the channel will retry", metadata: ["error": "\(error)"])
            return .text(.internalServerError, "failure")
        }
    }
}
