import Cryptography
import Foundation
import PaystreamCore

/// A verified Alipay trade_status_sync notify, typed.
///
/// Guarantees: every amount was parsed exactly from its yuan string (`Amount.parseYuan`); the required fields
/// (notify_id, app_id, trade_no, out_trade_no, trade_status, total_amount) are present.
public struct AlipayTradeNotification: Sendable, Equatable {
    public var notifyID: String
    public var notifyType: String?
    public var notifyTime: Date?
    public var appID: String
    public var tradeNo: String
    public var outTradeNo: String
    /// WAIT_BUYER_PAY, TRADE_CLOSED, TRADE_SUCCESS or TRADE_FINISHED.
    public var tradeStatus: String
    /// The mapped state, nil for an unknown trade_status.
    public var state: PaymentState?
    public var totalAmount: Amount
    public var receiptAmount: Amount?
    public var buyerPayAmount: Amount?
    /// Everything refunded so far, on notifies caused by a refund.
    public var refundFee: Amount?
    /// The refund's out_request_no, on notifies caused by a refund.
    public var outBizNo: String?
    public var buyerID: String?
    public var gmtPayment: Date?
    public var gmtRefund: Date?
    /// passback_params as Alipay returned it (URL-encoded, as sent).
    public var passbackParams: String?
}

/// Verifies Alipay asynchronous notifies and return-URL parameters (RSA2).
///
/// Guarantees: parameters are accepted only if `sign` verifies with Alipay's public key over all other non-empty
/// parameters (excluding `sign_type` too, unless ``SignTypeRule/included``), sorted by key, joined `k=v&` with
/// form-decoded values (else `notify.bad_signature`); sign_type, when present, must be RSA2; and `app_id` must be
/// this application's (else `notify.recipient_mismatch`). A malformed form body or missing field is
/// `notify.malformed`. Reply to an accepted notify with exactly ``acknowledgement``.
public struct AlipayNotifyVerifier: Sendable {
    /// The body to answer an accepted notify with; anything else makes Alipay retry.
    public static let acknowledgement = "success"

    /// Whether sign_type is part of the signed content.
    public enum SignTypeRule: Sendable {
        /// Trade notifies and return URLs (rsaCheckV1): sign_type is not signed.
        case excluded
        /// Some other notifies (rsaCheckV2, e.g. service-market notifies): sign_type is signed.
        case included
    }

    public let appID: String
    let alipayPublicKey: RSAPublicKey
    let signTypeRule: SignTypeRule

    public init(appID: String, alipayPublicKey: RSAPublicKey, signTypeRule: SignTypeRule = .excluded) {
        self.appID = appID
        self.alipayPublicKey = alipayPublicKey
        self.signTypeRule = signTypeRule
    }

    public init(configuration: AlipayConfiguration, credentials: AlipayCredentials) {
        self.init(appID: configuration.appID, alipayPublicKey: credentials.alipayPublicKey)
    }

    /// Decodes an `application/x-www-form-urlencoded` body (UTF-8) and verifies it.
    public func verifyParameters(formBody: [UInt8]) throws(NotifyVerificationError) -> [String: String] {
        guard let text = String(validating: formBody, as: UTF8.self) else { throw malformed("body is not UTF-8") }
        let parameters: [String: String]
        do {
            parameters = try FormCoding.decode(text)
        } catch {
            throw malformed("form body: \(error)")
        }
        return try verifyParameters(parameters)
    }

    /// Verifies already form-decoded parameters and returns them.
    public func verifyParameters(_ parameters: [String: String]) throws(NotifyVerificationError) -> [String: String] {
        guard let sign = parameters["sign"], !sign.isEmpty else { throw malformed("sign is missing") }
        if let signType = parameters["sign_type"], signType != "RSA2" {
            throw malformed("sign_type \(signType) is not RSA2")
        }
        if let charset = parameters["charset"], charset.lowercased() != "utf-8" {
            throw malformed("charset \(charset) is not utf-8")
        }
        let excluded: Set<String> = signTypeRule == .excluded ? ["sign", "sign_type"] : ["sign"]
        let content = AlipaySignatures.content(parameters, excluding: excluded)
        guard AlipaySignatures.isValid(sign, over: Array(content.utf8), with: alipayPublicKey) else {
            throw NotifyVerificationError(.badSignature, channel: .alipay, "sign does not verify with Alipay's public key")
        }
        guard parameters["app_id"] == appID else {
            throw NotifyVerificationError(
                .recipientMismatch, channel: .alipay, "app_id \(parameters["app_id"] ?? "(none)") is not \(appID)")
        }
        return parameters
    }

    /// Verifies a trade_status_sync form body and parses it.
    public func verifyTradeNotify(formBody: [UInt8]) throws(NotifyVerificationError) -> AlipayTradeNotification {
        try tradeNotification(try verifyParameters(formBody: formBody))
    }

    /// Verifies trade_status_sync parameters and parses them.
    public func verifyTradeNotify(_ parameters: [String: String]) throws(NotifyVerificationError) -> AlipayTradeNotification {
        try tradeNotification(try verifyParameters(parameters))
    }

    private func tradeNotification(_ p: [String: String]) throws(NotifyVerificationError) -> AlipayTradeNotification {
        func required(_ name: String) throws(NotifyVerificationError) -> String {
            guard let value = p[name], !value.isEmpty else { throw malformed("\(name) is missing") }
            return value
        }
        func amount(_ name: String) throws(NotifyVerificationError) -> Amount? {
            guard let text = p[name], !text.isEmpty else { return nil }
            do { return try Amount.parseYuan(text) } catch { throw malformed("\(name) \"\(text)\" is not an exact yuan amount") }
        }
        func date(_ name: String) throws(NotifyVerificationError) -> Date? {
            guard let text = p[name], !text.isEmpty else { return nil }
            guard let date = ChannelTime.parseShanghaiDateTime(text) else { throw malformed("\(name) is not yyyy-MM-dd HH:mm:ss") }
            return date
        }
        let status = try required("trade_status")
        guard let total = try amount("total_amount") else { throw malformed("total_amount is missing") }
        return AlipayTradeNotification(
            notifyID: try required("notify_id"), notifyType: p["notify_type"], notifyTime: try date("notify_time"),
            appID: try required("app_id"), tradeNo: try required("trade_no"), outTradeNo: try required("out_trade_no"),
            tradeStatus: status, state: AlipayClient.paymentState(status), totalAmount: total,
            receiptAmount: try amount("receipt_amount"), buyerPayAmount: try amount("buyer_pay_amount"),
            refundFee: try amount("refund_fee"), outBizNo: p["out_biz_no"], buyerID: p["buyer_id"],
            gmtPayment: try date("gmt_payment"), gmtRefund: try date("gmt_refund"), passbackParams: p["passback_params"])
    }

    private func malformed(_ message: String) -> NotifyVerificationError {
        NotifyVerificationError(.malformed, channel: .alipay, message)
    }
}
