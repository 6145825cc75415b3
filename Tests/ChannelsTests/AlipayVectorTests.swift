import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// Alipay vectors through AlipayNotifyVerifier, the request builder and the response reader.
@Suite struct AlipayVectorTests {
    static func publicKey(_ vector: Vector) throws -> RSAPublicKey {
        if let pem = vector.fields["alipay_public_key_pem"] as? String { return try RSAPublicKey(pemRepresentation: pem) }
        return try X509Certificate(pemRepresentation: try vector.string("alipay_public_cert_pem")).publicKey
    }

    static let tradeNotifies = [
        "alipay_rsa2_notify_trade_success_alipay-sdk-nodejs.json", "alipay_rsa2_notify_sandbox_yansongda-pay.json",
    ]

    @Test(arguments: tradeNotifies)
    func tradeNotifyVerifiesAndIsTyped(file: String) throws {
        let vector = try Vector(file)
        let parameters = try vector.stringMap("notify_params")
        let appID = try #require(parameters["app_id"])
        let verifier = AlipayNotifyVerifier(appID: appID, alipayPublicKey: try Self.publicKey(vector))
        #expect(AlipaySignatures.content(parameters, excluding: ["sign", "sign_type"]) == (try vector.string("expected_sign_content")))
        let notification = try verifier.verifyTradeNotify(parameters)
        #expect(notification.tradeStatus == "TRADE_SUCCESS" && notification.state == .succeeded)
        #expect(notification.outTradeNo == parameters["out_trade_no"] && notification.tradeNo == parameters["trade_no"])
        #expect(notification.totalAmount == (try Amount.parseYuan(try #require(parameters["total_amount"]))))
        #expect(notification.gmtPayment == ChannelTime.parseShanghaiDateTime(try #require(parameters["gmt_payment"])))
        #expect(notification.appID == appID && notification.notifyID == parameters["notify_id"])

        // The same notify as a form body, spaces as '+', as Alipay posts it.
        let form = parameters.sorted { $0.key < $1.key }.map {
            FormCoding.escape($0.key) + "=" + FormCoding.escape($0.value).replacingOccurrences(of: "%20", with: "+")
        }.joined(separator: "&")
        #expect(try verifier.verifyTradeNotify(formBody: Array(form.utf8)) == notification)
    }

    @Test(arguments: tradeNotifies)
    func tamperedNotifyFails(file: String) throws {
        let vector = try Vector(file)
        let parameters = try vector.stringMap("notify_params")
        let appID = try #require(parameters["app_id"])
        let verifier = AlipayNotifyVerifier(appID: appID, alipayPublicKey: try Self.publicKey(vector))

        var raised = parameters
        raised["total_amount"] = "1000.10"
        #expect(throws: NotifyVerificationError(.badSignature, channel: .alipay, "sign does not verify with Alipay's public key")) {
            try verifier.verifyTradeNotify(raised)
        }
        var added = parameters
        added["refund_fee"] = "0.01"
        let addedError = #expect(throws: NotifyVerificationError.self) { try verifier.verifyTradeNotify(added) }
        #expect(addedError?.code == .badSignature)

        let rogue = AlipayNotifyVerifier(appID: appID, alipayPublicKey: TestKeys.rogue.publicKey)
        let rogueError = #expect(throws: NotifyVerificationError.self) { try rogue.verifyTradeNotify(parameters) }
        #expect(rogueError?.code.rawValue == "notify.bad_signature")

        let otherApp = AlipayNotifyVerifier(appID: "2021000000000000", alipayPublicKey: try Self.publicKey(vector))
        let appError = #expect(throws: NotifyVerificationError.self) { try otherApp.verifyTradeNotify(parameters) }
        #expect(appError?.code == .recipientMismatch)

        var unsigned = parameters
        unsigned["sign"] = nil
        let unsignedError = #expect(throws: NotifyVerificationError.self) { try verifier.verifyTradeNotify(unsigned) }
        #expect(unsignedError?.code == .malformed)
    }

    @Test func signTypeIncludedVector() throws {
        let vector = try Vector("alipay_rsa2_notify_keep_sign_type_alipay-sdk-nodejs.json")
        let parameters = try vector.stringMap("notify_params")
        let key = try Self.publicKey(vector)
        #expect(AlipaySignatures.content(parameters, excluding: ["sign"]) == (try vector.string("expected_sign_content")))
        let verifier = AlipayNotifyVerifier(appID: "2017122801303261", alipayPublicKey: key, signTypeRule: .included)
        #expect(try verifier.verifyParameters(parameters)["commodity_order_id"] == "2019030800000018079639")
        let excluded = AlipayNotifyVerifier(appID: "2017122801303261", alipayPublicKey: key)
        let error = #expect(throws: NotifyVerificationError.self) { try excluded.verifyParameters(parameters) }
        #expect(error?.code == .badSignature)
        // Not a trade notify: typed parsing refuses it after verification.
        let typed = #expect(throws: NotifyVerificationError.self) {
            try AlipayNotifyVerifier(appID: "2017122801303261", alipayPublicKey: key, signTypeRule: .included)
                .verifyTradeNotify(parameters)
        }
        #expect(typed?.code == .malformed)
    }

    @Test func returnURLVerifies() throws {
        let vector = try Vector("alipay_rsa2_return_url_sandbox_yansongda-pay.json")
        let url = try vector.string("return_url")
        let query = String(url[try #require(url.firstIndex(of: "?"))...].dropFirst())
        let verifier = AlipayNotifyVerifier(appID: "9021000122682882", alipayPublicKey: try Self.publicKey(vector))
        let parameters = try verifier.verifyParameters(formBody: Array(query.utf8))
        #expect(parameters == (try vector.stringMap("decoded_params")))
        let tampered = query.replacingOccurrences(of: "total_amount=0.01", with: "total_amount=0.02")
        let error = #expect(throws: NotifyVerificationError.self) { try verifier.verifyParameters(formBody: Array(tampered.utf8)) }
        #expect(error?.code == .badSignature)
        let duplicated = query + "&total_amount=0.01"
        let duplicate = #expect(throws: NotifyVerificationError.self) {
            try verifier.verifyParameters(formBody: Array(duplicated.utf8))
        }
        #expect(duplicate?.code == .malformed)
    }

    /// The request builder reproduces the vector's signature when given the vector's parameters.
    @Test func requestSignatureReproducesTheVector() throws {
        let vector = try Vector("alipay_rsa2_request_sign_yansongda-pay.json")
        let params = try vector.stringMap("request_params")
        let directory = try TemporaryDirectory()
        let configuration = AlipayConfiguration(
            appID: try #require(params["app_id"]),
            appPrivateKeyPath: try directory.write("app.key", try vector.string("app_private_key_pkcs1_base64")),
            alipayPublicKeyPath: try directory.write("alipay.pub", try vector.string("app_public_key_pem_derived")),
            notifyURL: try #require(params["notify_url"]))
        let credentials = try AlipayCredentials.load(from: configuration)
        let client = AlipayClient(configuration: configuration, credentials: credentials, httpClient: HTTPClient.shared)
        let date = try need(ChannelTime.parseShanghaiDateTime(try need(params["timestamp"])))
        let signed = try client.signedParameters(
            method: try need(params["method"]), bizContent: try need(params["biz_content"]),
            extra: [
                "return_url": try need(params["return_url"]), "app_cert_sn": try need(params["app_cert_sn"]),
                "alipay_root_cert_sn": try need(params["alipay_root_cert_sn"]),
            ], at: date)
        #expect(signed.filter { $0.key != "sign" } == params)
        #expect(AlipaySignatures.content(signed, excluding: ["sign"]) == (try vector.string("expected_sign_content")))
        #expect(signed["sign"] == (try vector.string("expected_sign")))
    }

    @Test func responseVectorsVerify() throws {
        let node = try Vector("alipay_rsa2_response_sign_alipay-sdk-nodejs.json")
        let nodeReader = AlipayResponseReader(alipayPublicKey: try Self.publicKey(node))
        let body = try node.bytes("response_body")
        let content = try nodeReader.read(body, method: "alipay.open.file.upload", operation: "test")
        let expectedContent = try node.bytes("expected_signed_content")
        #expect(content.verified && content.raw == expectedContent)
        let tamperIndex = try #require(String(decoding: body, as: UTF8.self).range(of: "CAxATo")).lowerBound.utf16Offset(
            in: String(decoding: body, as: UTF8.self))
        let error = #expect(throws: ChannelError.self) {
            try nodeReader.read(body.tampered(at: tamperIndex), method: "alipay.open.file.upload", operation: "test")
        }
        #expect(error?.code == .badResponseSignature)

        // gopay gives the content and sign: as Alipay frames them in a body.
        let gopay = try Vector("alipay_rsa2_response_sign_trade_query_gopay.json")
        let framed = "{\"alipay_trade_query_response\":" + (try gopay.string("expected_signed_content"))
            + ",\"sign\":\"" + (try gopay.string("sign")) + "\"}"
        let reader = AlipayResponseReader(alipayPublicKey: try Self.publicKey(gopay))
        let query = try reader.read(Array(framed.utf8), method: "alipay.trade.query", operation: "test")
        #expect(query.verified)
        let trade = try ChannelJSON.decode(AlipayWireTrade.self, from: query.raw)
        #expect(try Amount.parseYuan(try #require(trade.total_amount)) == (try Amount(fen: 1)))
        #expect(trade.out_trade_no == "GZ201901301040361012")
        let rogue = AlipayResponseReader(alipayPublicKey: TestKeys.rogue.publicKey)
        #expect(throws: ChannelError.self) { try rogue.read(Array(framed.utf8), method: "alipay.trade.query", operation: "test") }
        let duplicate = "{\"alipay_trade_query_response\":{\"code\":\"10000\"}," + framed.dropFirst()
        let dupError = #expect(throws: ChannelError.self) {
            try reader.read(Array(duplicate.utf8), method: "alipay.trade.query", operation: "test")
        }
        #expect(dupError?.code == .malformedResponse)
    }
}
