import Cryptography
import Foundation
import PaystreamCore

/// The `Wechatpay-*` headers of a notify, looked up case-insensitively.
public struct WeChatPayNotifyHeaders: Sendable, Equatable {
    public var timestamp: String?
    public var nonce: String?
    public var signature: String?
    public var serial: String?

    public init(timestamp: String?, nonce: String?, signature: String?, serial: String?) {
        self.timestamp = timestamp
        self.nonce = nonce
        self.signature = signature
        self.serial = serial
    }

    /// Picks the four headers out of `headers` whatever their case.
    public init(_ headers: [(name: String, value: String)]) {
        func value(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        self.init(
            timestamp: value("Wechatpay-Timestamp"), nonce: value("Wechatpay-Nonce"),
            signature: value("Wechatpay-Signature"), serial: value("Wechatpay-Serial"))
    }

    public init(_ headers: [String: String]) {
        self.init(headers.map { (name: $0.key, value: $0.value) })
    }
}

/// What a verified WeChat Pay notify says.
public enum WeChatPayNotifyEvent: Sendable, Equatable {
    /// TRANSACTION.* with a transaction plaintext.
    case transaction(WeChatPayTransaction)
    /// REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED.
    case refund(WeChatPayRefundNotice)
    /// MCHTRANSFER.BILL.FINISHED (transfer to balance reached a final state).
    case transfer(PayoutStatus)
    /// Any other event type (or none): authentic and decrypted, but not something the platform acts on.
    case other
}

/// A WeChat Pay notify that passed every check.
public struct WeChatPayNotification: Sendable, Equatable {
    /// The notify's id (the same id on every retry of one notify).
    public var id: String?
    public var eventType: String?
    public var createTime: String?
    public var summary: String?
    /// resource.original_type, e.g. "transaction", "refund".
    public var originalType: String?
    /// The decrypted resource, exactly as decrypted.
    public var plaintext: [UInt8]
    public var event: WeChatPayNotifyEvent
}

/// Verifies and decrypts WeChat Pay API v3 notifies.
///
/// Guarantees: ``verify(headers:body:now:)`` returns content only for a notify whose `Wechatpay-Serial` names a
/// trusted platform key (else `notify.unknown_key`), whose timestamp is less than 300 s from `now` (else
/// `notify.expired_timestamp`), whose signature verifies over "TIMESTAMP\nNONCE\nBODY\n" with the exact body
/// bytes (else `notify.bad_signature`), and whose AEAD_AES_256_GCM resource authenticates and decrypts under the
/// APIv3 key (else `notify.decryption_failed`), in that order. Known event types are parsed strictly (amounts
/// from integer fen; a missing required field or a negative amount is `notify.malformed`). When a merchant ID
/// is configured, a transaction or refund for another merchant is `notify.recipient_mismatch`.
/// Acknowledge an accepted notify with HTTP 200 or 204 and no body.
public struct WeChatPayNotifyVerifier: Sendable {
    public static let maximumClockSkew: Duration = .seconds(300)

    let apiV3Key: WeChatPayAPIv3Key
    let check: WeChatPaySignatureCheck
    let expectedMerchantID: String?
    let expectedAppID: String?

    /// - Parameter expectedMerchantID: when set, decrypted transactions and refunds must carry this mchid.
    /// - Parameter expectedAppID: when set, decrypted transactions must carry this appid (the app the order was made
    ///   for; one merchant id can serve several apps).
    public init(
        apiV3Key: WeChatPayAPIv3Key, platformKeys: WeChatPayPlatformKeys, expectedMerchantID: String? = nil, expectedAppID: String? = nil
    ) {
        self.apiV3Key = apiV3Key
        self.check = WeChatPaySignatureCheck(platformKeys: platformKeys, maximumSkew: Self.maximumClockSkew)
        self.expectedMerchantID = expectedMerchantID
        self.expectedAppID = expectedAppID
    }

    public init(credentials: WeChatPayCredentials, configuration: WeChatPayConfiguration) {
        self.init(
            apiV3Key: credentials.apiV3Key, platformKeys: credentials.platformKeys,
            expectedMerchantID: configuration.merchantID, expectedAppID: configuration.appID)
    }

    public func verify(headers: WeChatPayNotifyHeaders, body: [UInt8], now: Date) throws(NotifyVerificationError)
        -> WeChatPayNotification
    {
        if let failure = check.check(
            timestamp: headers.timestamp, nonce: headers.nonce, signature: headers.signature, serial: headers.serial,
            body: body, now: now)
        {
            throw Self.error(failure)
        }
        let envelope: WeChatWireNotify
        do {
            envelope = try ChannelJSON.decode(WeChatWireNotify.self, from: body)
        } catch {
            throw malformed("notify body: \(ChannelJSON.describe(error))")
        }
        let resource = envelope.resource
        guard resource.algorithm == "AEAD_AES_256_GCM" else { throw malformed("unsupported algorithm \(resource.algorithm)") }
        let plaintext: [UInt8]
        do {
            plaintext = try apiV3Key.open(
                try Base64.decode(resource.ciphertext), nonce: Array(resource.nonce.utf8),
                associatedData: Array((resource.associated_data ?? "").utf8))
        } catch {
            throw NotifyVerificationError(
                .decryptionFailed, channel: .wechat, "the resource does not authenticate under the APIv3 key")
        }
        let event = try parse(eventType: envelope.event_type, plaintext: plaintext)
        return WeChatPayNotification(
            id: envelope.id, eventType: envelope.event_type, createTime: envelope.create_time, summary: envelope.summary,
            originalType: resource.original_type, plaintext: plaintext, event: event)
    }

    private func parse(eventType: String?, plaintext: [UInt8]) throws(NotifyVerificationError) -> WeChatPayNotifyEvent {
        guard let eventType else { return .other }
        do {
            if eventType.hasPrefix("TRANSACTION.") {
                let transaction = try WeChatPayMapping.transaction(
                    try ChannelJSON.decode(WeChatWireTransaction.self, from: plaintext))
                try checkMerchant(transaction.merchantID)
                guard transaction.total != nil else { throw malformed("transaction has no amount.total") }
                switch transaction.foreign(toApp: expectedAppID) {
                case .otherApp(let appID)?:
                    throw NotifyVerificationError(.recipientMismatch, channel: .wechat, "appid \(appID ?? "(none)") is not \(expectedAppID ?? "")")
                case .otherCurrency(let currency)?:
                    // Paystream orders are made in fen of CNY; an amount in anything else is not the order's.
                    throw malformed("transaction amount is in \(currency), not CNY")
                case nil: break
                }
                if transaction.tradeState == "SUCCESS", transaction.transactionID == nil || transaction.successTime == nil {
                    throw malformed("a successful transaction lacks transaction_id or success_time")
                }
                return .transaction(transaction)
            }
            if eventType.hasPrefix("REFUND.") {
                let refund = try WeChatPayMapping.refund(try ChannelJSON.decode(WeChatWireRefund.self, from: plaintext))
                try checkMerchant(refund.merchantID)
                return .refund(refund)
            }
            if eventType == "MCHTRANSFER.BILL.FINISHED" {
                let transfer = try ChannelJSON.decode(WeChatWireTransfer.self, from: plaintext)
                try checkMerchant(transfer.mch_id)
                return .transfer(try WeChatPayMapping.payout(transfer))
            }
            return .other
        } catch let error as NotifyVerificationError {
            throw error
        } catch let error as WeChatPayMapping.Invalid {
            throw malformed("\(eventType) plaintext: \(error)")
        } catch {
            throw malformed("\(eventType) plaintext: \(ChannelJSON.describe(error))")
        }
    }

    private func checkMerchant(_ merchantID: String?) throws(NotifyVerificationError) {
        guard let expectedMerchantID else { return }
        guard merchantID == expectedMerchantID else {
            throw NotifyVerificationError(
                .recipientMismatch, channel: .wechat, "mchid \(merchantID ?? "(none)") is not \(expectedMerchantID)")
        }
    }

    private func malformed(_ message: String) -> NotifyVerificationError {
        NotifyVerificationError(.malformed, channel: .wechat, message)
    }

    static func error(_ failure: WeChatPaySignatureCheck.Failure) -> NotifyVerificationError {
        switch failure {
        case .missingHeader(let name): NotifyVerificationError(.malformed, channel: .wechat, "header \(name) is missing")
        case .unknownKey(let serial):
            NotifyVerificationError(.unknownPlatformKey, channel: .wechat, "no platform key with serial \(serial)")
        case .malformedTimestamp: NotifyVerificationError(.malformed, channel: .wechat, "Wechatpay-Timestamp is not a number")
        case .expired(let seconds):
            NotifyVerificationError(.expiredTimestamp, channel: .wechat, "timestamp is \(seconds) s away from now")
        case .badSignature:
            NotifyVerificationError(.badSignature, channel: .wechat, "signature does not verify over the body received")
        }
    }
}
