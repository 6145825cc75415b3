import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// Round trips with freshly generated keys, amounts, times and encodings.
@Suite struct RoundTripTests {
    static func alipayClient(returnURL: String? = "https://paystream.example/return") throws -> (AlipayClient, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let configuration = AlipayConfiguration(
            appID: "2021000000000001",
            appPrivateKeyPath: try directory.write("app.pem", TestKeys.merchant.pemRepresentation),
            alipayPublicKeyPath: try directory.write("alipay.pem", try TestKeys.platform.publicKey.pemRepresentation),
            gatewayURL: "https://openapi.alipay.com/gateway.do", notifyURL: "https://paystream.example/notify/alipay",
            returnURL: returnURL)
        let now = Date(timeIntervalSince1970: 1_703_141_677)  // 2023-12-21 14:54:37 in Shanghai
        let client = AlipayClient(
            configuration: configuration, credentials: try AlipayCredentials.load(from: configuration),
            httpClient: HTTPClient.shared, now: { now })
        return (client, directory)
    }

    @Test func pagePayURLSignatureVerifies() throws {
        let (client, _) = try Self.alipayClient()
        let order = PaymentOrder(
            outTradeNo: "R20231221-0001", amount: try Amount.parseYuan("12.30"), description: "充值 100 & more+",
            expiresAt: Date(timeIntervalSince1970: 1_703_143_477))
        let url = try client.pagePayURL(order)
        #expect(url.hasPrefix("https://openapi.alipay.com/gateway.do?"))
        let query = String(url.split(separator: "?", maxSplits: 1)[1])
        #expect(!query.contains(" ") && !query.contains("+"))
        let parameters = try FormCoding.decode(query)
        #expect(parameters["method"] == "alipay.trade.page.pay" && parameters["sign_type"] == "RSA2")
        #expect(parameters["timestamp"] == "2023-12-21 14:54:37" && parameters["format"] == "JSON")
        #expect(parameters["charset"] == "utf-8" && parameters["version"] == "1.0")
        #expect(parameters["return_url"] == "https://paystream.example/return")
        let biz = try JSONSerialization.jsonObject(with: Data(try #require(parameters["biz_content"]).utf8)) as? [String: String]
        #expect(biz?["total_amount"] == "12.30" && biz?["subject"] == "充值 100 & more+")
        #expect(biz?["product_code"] == "FAST_INSTANT_TRADE_PAY" && biz?["time_expire"] == "2023-12-21 15:24:37")
        let signature = try Base64.decode(try #require(parameters["sign"]))
        let content = AlipaySignatures.content(parameters, excluding: ["sign"])
        #expect(content.contains("sign_type=RSA2"))
        #expect(TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: content))
        #expect(!TestKeys.merchant.publicKey.isValidSignatureSHA256(signature, for: content.replacingOccurrences(of: "12.30", with: "12.31")))
    }

    @Test func invalidOrdersAreRefusedBeforeSending() throws {
        let (client, _) = try Self.alipayClient()
        let bad = [
            PaymentOrder(outTradeNo: "", amount: try Amount.parseYuan("1"), description: "x"),
            PaymentOrder(outTradeNo: "a/b", amount: try Amount.parseYuan("1"), description: "x"),
            PaymentOrder(outTradeNo: "ok", amount: .zero, description: "x"),
            PaymentOrder(outTradeNo: "ok", amount: try Amount.parseYuan("1"), description: ""),
        ]
        for order in bad {
            let error = #expect(throws: ChannelError.self) { try client.pagePayURL(order) }
            #expect(error?.code == .invalidRequest)
        }
    }

    @Test func amountsParseExactly() throws {
        #expect(try Amount.parseYuan("0.01").fen == 1)
        #expect(try Amount.parseYuan("12.30").fen == 1230)
        #expect(try Amount.parseYuan("12.30").yuanString == "12.30")
        #expect(throws: MoneyError.self) { try Amount.parseYuan("12.345") }
        // Through the notify parser: a yuan string with three decimals is malformed, never rounded.
        let parameters = [
            "notify_id": "n1", "app_id": "2021000000000001", "trade_no": "T1", "out_trade_no": "O1",
            "trade_status": "TRADE_SUCCESS", "total_amount": "12.345",
        ]
        var signed = parameters
        signed["sign"] = Base64.encode(
            try TestKeys.platform.signatureSHA256(for: AlipaySignatures.content(parameters, excluding: ["sign", "sign_type"])))
        let verifier = AlipayNotifyVerifier(appID: "2021000000000001", alipayPublicKey: TestKeys.platform.publicKey)
        let error = #expect(throws: NotifyVerificationError.self) { try verifier.verifyTradeNotify(signed) }
        #expect(error?.code == .malformed)
        signed["total_amount"] = "12.30"
        signed["sign"] = Base64.encode(
            try TestKeys.platform.signatureSHA256(for: AlipaySignatures.content(signed, excluding: ["sign", "sign_type"])))
        #expect(try verifier.verifyTradeNotify(signed).totalAmount.fen == 1230)
    }

    @Test func shanghaiTimesRoundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_703_141_677)
        #expect(ChannelTime.shanghaiDateTime(date) == "2023-12-21 14:54:37")
        #expect(ChannelTime.shanghaiDay(Date(timeIntervalSince1970: 1_703_174_400)) == "2023-12-22")  // 00:00 +08:00
        #expect(ChannelTime.parseShanghaiDateTime("2023-12-21 14:54:37") == date)
        #expect(ChannelTime.parseShanghaiDateTime("2023-12-21 14:54:37.320") == date)
        #expect(ChannelTime.rfc3339Shanghai(date) == "2023-12-21T14:54:37+08:00")
        #expect(ChannelTime.parseRFC3339("2023-12-21T14:54:37+08:00") == date)
        #expect(ChannelTime.parseRFC3339("2023-12-21T06:54:37Z") == date)
        #expect(ChannelTime.parseRFC3339("2023-12-21T06:54:37.5Z") == date)
        for bad in ["2023-02-30 00:00:00", "2023-12-21T14:54:37", "2023-12-21 24:00:00", "23-12-21 14:54:37", ""] {
            #expect(ChannelTime.parseShanghaiDateTime(bad) == nil)
            #expect(ChannelTime.parseRFC3339(bad) == nil)
        }
        #expect(ChannelTime.parseShanghaiDateTime("2024-02-29 23:59:59") != nil)
        for seconds in stride(from: -2_000_000_000 as Int64, through: 4_000_000_000, by: 86_399_937) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(ChannelTime.parseShanghaiDateTime(ChannelTime.shanghaiDateTime(date)) == date)
        }
    }

    @Test func formCodingIsStrict() throws {
        #expect(FormCoding.escape("a b+c/é") == "a%20b%2Bc%2F%C3%A9")
        #expect(try FormCoding.decode("a=x+y%2B&b=&c") == ["a": "x y+", "b": "", "c": ""])
        #expect(throws: FormCoding.Malformed.self) { try FormCoding.decode("a=%zz") }
        #expect(throws: FormCoding.Malformed.self) { try FormCoding.decode("a=%FF") }
        #expect(throws: FormCoding.Malformed.self) { try FormCoding.decode("a=1&a=2") }
    }

    @Test func nonceIsRandomAlphanumeric() {
        let nonces = Set((0..<100).map { _ in ChannelIdentifiers.nonce() })
        #expect(nonces.count == 100)
        #expect(nonces.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { byte in byte < 0x80 } })
    }

    @Test func errorCodesAreStable() {
        #expect(NotifyVerificationError.Code.badSignature.rawValue == "notify.bad_signature")
        #expect(NotifyVerificationError.Code.expiredTimestamp.rawValue == "notify.expired_timestamp")
        #expect(NotifyVerificationError.Code.unknownPlatformKey.rawValue == "notify.unknown_key")
        #expect(NotifyVerificationError.Code.decryptionFailed.rawValue == "notify.decryption_failed")
        #expect(NotifyVerificationError.Code.malformed.rawValue == "notify.malformed")
        #expect(ChannelError.Code.timeout.rawValue == "channel.timeout")
    }
}
