import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// The AEAD vectors' resources, wrapped in a notify signed by a test platform key, decrypted through
/// WeChatPayNotifyVerifier; typed TRANSACTION.* and REFUND.* parsing.
@Suite struct WeChatPayResourceVectorTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// A notify body carrying `resource`, signed like WeChat Pay signs notifies.
    static func notify(eventType: String?, resource: [String: String], mchid: String? = nil)
        throws -> (headers: WeChatPayNotifyHeaders, body: [UInt8])
    {
        var envelope: [String: Any] = [
            "id": "EV-2018022511223320873", "create_time": "2015-05-20T13:29:35+08:00",
            "resource_type": "encrypt-resource", "summary": "支付成功", "resource": resource,
        ]
        if let eventType { envelope["event_type"] = eventType }
        let body = Array(try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys]))
        let headers = try wechatPlatformHeaders(
            body: body, key: TestKeys.platform, serial: TestKeys.platformCertificate.serialNumberHex,
            timestamp: Int64(now.timeIntervalSince1970))
        return (WeChatPayNotifyHeaders(headers), body)
    }

    static func verifier(apiV3Key: WeChatPayAPIv3Key, merchantID: String? = nil, appID: String? = nil) throws -> WeChatPayNotifyVerifier {
        WeChatPayNotifyVerifier(
            apiV3Key: apiV3Key, platformKeys: try WeChatPayPlatformKeys(certificates: [TestKeys.platformCertificate]),
            expectedMerchantID: merchantID, expectedAppID: appID)
    }

    @Test(arguments: [
        "wechatpay_v3_aead_aes256gcm_wechatpay-java.json", "wechatpay_v3_aead_aes256gcm_wechatpay-go.json",
    ])
    func aeadVectorDecryptsThroughTheVerifier(file: String) throws {
        let vector = try Vector(file)
        let keyText = try vector.string("apiv3_key")
        let key = keyText.utf8.count == 32 ? try WeChatPayAPIv3Key(keyText) : try WeChatPayAPIv3Key(sdkTestVectorKey: keyText)
        let resource = [
            "algorithm": "AEAD_AES_256_GCM", "ciphertext": try vector.string("ciphertext_base64"),
            "nonce": try vector.string("nonce"), "associated_data": try vector.string("associated_data"),
            "original_type": "transaction",
        ]
        let (headers, body) = try Self.notify(eventType: "PAYSCORE.USER_CONFIRM", resource: resource)
        let notification = try Self.verifier(apiV3Key: key).verify(headers: headers, body: body, now: Self.now)
        #expect(String(decoding: notification.plaintext, as: UTF8.self) == (try vector.string("expected_plaintext")))

        var wrongAAD = resource
        wrongAAD["associated_data"] = "certificate"
        let (h2, b2) = try Self.notify(eventType: "PAYSCORE.USER_CONFIRM", resource: wrongAAD)
        let error = #expect(throws: NotifyVerificationError.self) {
            try Self.verifier(apiV3Key: key).verify(headers: h2, body: b2, now: Self.now)
        }
        #expect(error?.code == .decryptionFailed)
    }

    /// The official transaction example (easywechat vector) as a TRANSACTION.SUCCESS notify.
    @Test func transactionSuccessIsTyped() throws {
        let vector = try Vector("wechatpay_v3_aead_transaction_notify_easywechat.json")
        let key = try WeChatPayAPIv3Key(try vector.string("apiv3_key"))
        let resource = [
            "algorithm": "AEAD_AES_256_GCM", "ciphertext": try vector.string("ciphertext_base64"),
            "nonce": try vector.string("nonce"), "associated_data": try vector.string("associated_data"),
            "original_type": "transaction",
        ]
        let (headers, body) = try Self.notify(eventType: "TRANSACTION.SUCCESS", resource: resource)
        let notification = try Self.verifier(apiV3Key: key, merchantID: "1230000109")
            .verify(headers: headers, body: body, now: Self.now)
        guard case .transaction(let t) = notification.event else {
            Issue.record("expected a transaction, got \(notification.event)")
            return
        }
        #expect(t.outTradeNo == "1217752501201407033233368018")
        #expect(t.transactionID == "1217752501201407033233368018")
        #expect(t.tradeState == "SUCCESS" && t.state == .succeeded)
        #expect(t.total == (try Amount(fen: 100)))
        #expect(t.payerTotal == (try Amount(fen: 100)))
        #expect(t.payerOpenID == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        #expect(t.merchantID == "1230000109" && t.appID == "wxd678efh567hg6787")
        #expect(t.successTime == ChannelTime.parseRFC3339("2018-06-08T02:34:56Z"))
        #expect(notification.id == "EV-2018022511223320873")

        let mismatch = #expect(throws: NotifyVerificationError.self) {
            try Self.verifier(apiV3Key: key, merchantID: "1900000109").verify(headers: headers, body: body, now: Self.now)
        }
        #expect(mismatch?.code == .recipientMismatch)
        // The merchant's, but for another of its apps.
        #expect(throws: Never.self) {
            try Self.verifier(apiV3Key: key, merchantID: "1230000109", appID: "wxd678efh567hg6787").verify(headers: headers, body: body, now: Self.now)
        }
        let otherApp = #expect(throws: NotifyVerificationError.self) {
            try Self.verifier(apiV3Key: key, merchantID: "1230000109", appID: "wx0000000000000000").verify(headers: headers, body: body, now: Self.now)
        }
        #expect(otherApp?.code == .recipientMismatch && otherApp?.message.contains("appid") == true)
    }

    /// A transaction in another currency than CNY is not an order of Paystream's (they are all in fen of CNY).
    @Test func aTransactionInAnotherCurrencyIsRefused() throws {
        let plaintext = """
            {"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"T1","transaction_id":"4200000001",\
            "trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","success_time":"2018-06-08T10:34:56+08:00",\
            "amount":{"total":100,"payer_total":100,"currency":"USD","payer_currency":"USD"}}
            """
        let resource = try Self.sealed(plaintext, key: TestKeys.apiV3KeyText, associatedData: "transaction")
        let (headers, body) = try Self.notify(eventType: "TRANSACTION.SUCCESS", resource: resource)
        let key = try WeChatPayAPIv3Key(TestKeys.apiV3KeyText)
        let error = #expect(throws: NotifyVerificationError.self) {
            try Self.verifier(apiV3Key: key, merchantID: "1230000109").verify(headers: headers, body: body, now: Self.now)
        }
        #expect(error?.code == .malformed && error?.message.contains("USD") == true)
        let inCNY = try Self.sealed(plaintext.replacingOccurrences(of: "USD", with: "CNY"), key: TestKeys.apiV3KeyText, associatedData: "transaction")
        let (h2, b2) = try Self.notify(eventType: "TRANSACTION.SUCCESS", resource: inCNY)
        #expect(throws: Never.self) { try Self.verifier(apiV3Key: key, merchantID: "1230000109").verify(headers: h2, body: b2, now: Self.now) }
    }

    static func sealed(_ plaintext: String, key: String, associatedData: String) throws -> [String: String] {
        let nonce = "abcdef123456"
        let box = try AES256GCM.seal(
            Array(plaintext.utf8), key: Array(key.utf8), nonce: Array(nonce.utf8),
            authenticating: Array(associatedData.utf8))
        return [
            "algorithm": "AEAD_AES_256_GCM", "ciphertext": Base64.encode(box.ciphertextAndTag), "nonce": nonce,
            "associated_data": associatedData, "original_type": associatedData,
        ]
    }

    @Test func refundSuccessIsTyped() throws {
        let plaintext = """
            {"mchid":"1900000100","transaction_id":"1008450740201411110005820873","out_trade_no":"20150806125346",\
            "refund_id":"50200207182018070300011301001","out_refund_no":"7752501201407033233368018",\
            "refund_status":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00",\
            "user_received_account":"招商银行信用卡0403","amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}}
            """
        let resource = try Self.sealed(plaintext, key: TestKeys.apiV3KeyText, associatedData: "refund")
        let (headers, body) = try Self.notify(eventType: "REFUND.SUCCESS", resource: resource)
        let notification = try Self.verifier(apiV3Key: try WeChatPayAPIv3Key(TestKeys.apiV3KeyText), merchantID: "1900000100")
            .verify(headers: headers, body: body, now: Self.now)
        guard case .refund(let r) = notification.event else {
            Issue.record("expected a refund, got \(notification.event)")
            return
        }
        #expect(r.outRefundNo == "7752501201407033233368018" && r.refundID == "50200207182018070300011301001")
        #expect(r.state == .succeeded && r.refund.fen == 999 && r.total.fen == 999 && r.payerRefund?.fen == 999)
        #expect(r.successTime == Date(timeIntervalSince1970: 1_528_425_296))
    }

    /// Amounts must be integer fen: a float, an exponent or a negative number is malformed, not rounded.
    @Test(arguments: ["100.0", "1e2", "-100", "\"100\""])
    func nonIntegerAmountIsMalformed(total: String) throws {
        let plaintext = """
            {"mchid":"1900000100","appid":"wx1","out_trade_no":"ORDER123","transaction_id":"42",\
            "trade_state":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","amount":{"total":\(total)}}
            """
        let resource = try Self.sealed(plaintext, key: TestKeys.apiV3KeyText, associatedData: "transaction")
        let (headers, body) = try Self.notify(eventType: "TRANSACTION.SUCCESS", resource: resource)
        let error = #expect(throws: NotifyVerificationError.self) {
            try Self.verifier(apiV3Key: try WeChatPayAPIv3Key(TestKeys.apiV3KeyText)).verify(
                headers: headers, body: body, now: Self.now)
        }
        #expect(error?.code == .malformed)
    }

    @Test func certificatesDownloadDecryptsThroughTheDecoder() throws {
        let vector = try Vector("wechatpay_v3_certificates_download_decrypt_wechatpay-java.json")
        let key = try WeChatPayAPIv3Key(try vector.string("apiv3_key"))
        let certificates = try WeChatPayPlatformCertificates.decode(responseBody: try vector.bytes("response_body"), apiV3Key: key)
        #expect(certificates.map(\.serialNumberHex) == [try vector.string("expected_certificate_serial")])
        let expected = try X509Certificate(pemRepresentation: try vector.string("expected_plaintext_certificate_pem"))
        #expect(try certificates[0].derRepresentation == expected.derRepresentation)

        let error = #expect(throws: ChannelError.self) {
            try WeChatPayPlatformCertificates.decode(
                responseBody: try vector.bytes("response_body"), apiV3Key: try WeChatPayAPIv3Key(TestKeys.apiV3KeyText))
        }
        #expect(error?.code == .badResponseSignature)
    }

    @Test func apiV3KeyMustBe32Characters() {
        for text in ["short", String(repeating: "a", count: 31), String(repeating: "a", count: 33), "testAPIv3Key0000"] {
            #expect(throws: ChannelError.self) { try WeChatPayAPIv3Key(text) }
        }
    }
}
