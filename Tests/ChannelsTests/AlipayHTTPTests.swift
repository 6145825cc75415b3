import AsyncHTTPClient
import Cryptography
import Foundation
import PaystreamCore
import Testing

@testable import Channels

/// The Alipay client against a minimal local listener that checks the request signature and signs its answers.
@Suite struct AlipayHTTPTests {
    /// `{"<method>_response": inner, "sign": …}` signed over the exact inner text (by `key`).
    static func answer(_ method: String, _ inner: String, key: RSAPrivateKey? = TestKeys.platform) -> LocalHTTPServer.Reply {
        var body = "{\"" + method.replacingOccurrences(of: ".", with: "_") + "_response\":" + inner
        if let key { body += ",\"sign\":\"" + Base64.encode(try! key.signatureSHA256(for: inner)) + "\"" }
        body += "}"
        return LocalHTTPServer.Reply(status: 200, headers: ["Content-Type": "application/json;charset=utf-8"], body: Array(body.utf8))
    }

    /// The request's parameters if its signature verifies with the app key, else nil.
    static func verifiedParameters(_ request: LocalHTTPServer.Request) -> [String: String]? {
        guard request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true,
            let parameters = try? FormCoding.decode(String(decoding: request.body, as: UTF8.self)),
            let sign = parameters["sign"].flatMap({ try? Base64.decode($0) }),
            TestKeys.merchant.publicKey.isValidSignatureSHA256(sign, for: AlipaySignatures.content(parameters, excluding: ["sign"]))
        else { return nil }
        return parameters
    }

    static func client(_ server: LocalHTTPServer, _ http: HTTPClient) throws -> (AlipayClient, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let configuration = AlipayConfiguration(
            appID: "2021000000000001",
            appPrivateKeyPath: try directory.write("app.pem", TestKeys.merchant.pemRepresentation),
            alipayPublicKeyPath: try directory.write("alipay.pem", try TestKeys.platform.publicKey.pemRepresentation),
            gatewayURL: server.baseURL + "/gateway.do", notifyURL: "https://paystream.example/notify/alipay",
            http: WeChatPayHTTPTests.fast)
        return (try AlipayClient(configuration: configuration, httpClient: http), directory)
    }

    static func bad(_ method: String) -> LocalHTTPServer.Reply {
        answer(method, #"{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature","sub_msg":"验签出错"}"#)
    }

    @Test func precreateReturnsTheQRCode() async throws {
        try await withServer({ _, request in
            let method = "alipay.trade.precreate"
            guard let p = Self.verifiedParameters(request), p["method"] == method, p["app_id"] == "2021000000000001",
                p["sign_type"] == "RSA2", p["charset"] == "utf-8", p["version"] == "1.0", p["format"] == "JSON",
                p["notify_url"] == "https://paystream.example/notify/alipay",
                let biz = try? JSONSerialization.jsonObject(with: Data((p["biz_content"] ?? "").utf8)) as? [String: String],
                biz["total_amount"] == "0.01", biz["out_trade_no"] == "A1"
            else { return Self.bad(method) }
            return Self.answer(method, #"{"code":"10000","msg":"Success","out_trade_no":"A1","qr_code":"https:\/\/qr.alipay.com\/bax1"}"#)
        }) { server in
            try await withHTTPClient { http in
                let (client, _) = try Self.client(server, http)
                let payment = try await client.createQRPayment(
                    PaymentOrder(outTradeNo: "A1", amount: try Amount.parseYuan("0.01"), description: "充值"))
                #expect(payment.codeURL == "https://qr.alipay.com/bax1")
            }
        }
    }

    @Test func queryIsTypedAndNotFoundIsMapped() async throws {
        try await withServer({ index, request in
            let method = "alipay.trade.query"
            guard Self.verifiedParameters(request) != nil else { return Self.bad(method) }
            if index == 0 {
                return Self.answer(
                    method,
                    #"{"code":"10000","msg":"Success","trade_no":"2024T1","out_trade_no":"A1","trade_status":"TRADE_SUCCESS","total_amount":"88.88","buyer_pay_amount":"88.88","buyer_user_id":"2088","send_pay_date":"2024-06-08 10:34:56"}"#)
            }
            return Self.answer(
                method, #"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#)
        }) { server in
            try await withHTTPClient { http in
                let (client, _) = try Self.client(server, http)
                let status = try await client.queryPayment(outTradeNo: "A1")
                #expect(status.state == .succeeded && status.amount?.fen == 8888 && status.transactionID == "2024T1")
                #expect(status.paidAt == ChannelTime.parseRFC3339("2024-06-08T10:34:56+08:00"))
                let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "A1") }
                #expect(error?.code == .notFound && error?.channelCode == "ACQ.TRADE_NOT_EXIST")
            }
        }
    }

    @Test func answersThatDoNotVerifyAreRefused() async throws {
        let inner = #"{"code":"10000","msg":"Success","trade_no":"T","out_trade_no":"A1","trade_status":"TRADE_SUCCESS","total_amount":"1.00"}"#
        let cases: [(LocalHTTPServer.Reply, ChannelError.Code)] = [
            (Self.answer("alipay.trade.query", inner, key: TestKeys.rogue), .badResponseSignature),
            (Self.answer("alipay.trade.query", inner, key: nil), .badResponseSignature),
            (Self.answer("alipay.trade.query", inner.replacingOccurrences(of: "1.00", with: "1.005")), .malformedResponse),
            (LocalHTTPServer.Reply(status: 200, body: Array("<html>".utf8)), .malformedResponse),
        ]
        for (reply, code) in cases {
            try await withServer({ _, _ in reply }) { server in
                try await withHTTPClient { http in
                    let (client, _) = try Self.client(server, http)
                    let error = await #expect(throws: ChannelError.self) { try await client.queryPayment(outTradeNo: "A1") }
                    #expect(error?.code == code, "\(String(describing: error))")
                }
            }
        }
    }

    /// Only REFUND_SUCCESS is a refund made; Alipay documents any other answer (no refund data, or data whose
    /// refund_status is absent or another value) as not refunded, to be asked for again with the same number.
    @Test func aRefundQueryIsSucceededOnlyForRefundSuccess() async throws {
        let method = "alipay.trade.fastpay.refund.query"
        let answers: [String: String] = [
            "done": #"{"code":"10000","msg":"Success","out_trade_no":"A1","out_request_no":"done","total_amount":"88.88","refund_amount":"5.00","refund_status":"REFUND_SUCCESS","gmt_refund_pay":"2024-06-08 10:34:56"}"#,
            "empty": #"{"code":"10000","msg":"Success","out_trade_no":"A1","out_request_no":"empty"}"#,
            "nostatus": #"{"code":"10000","msg":"Success","out_trade_no":"A1","out_request_no":"nostatus","total_amount":"88.88","refund_amount":"5.00"}"#,
            "other": #"{"code":"10000","msg":"Success","out_trade_no":"A1","out_request_no":"other","total_amount":"88.88","refund_amount":"5.00","refund_status":"REFUND_PROCESSING"}"#,
        ]
        try await withServer({ _, request in
            guard let p = Self.verifiedParameters(request), p["method"] == method,
                let biz = try? JSONSerialization.jsonObject(with: Data((p["biz_content"] ?? "").utf8)) as? [String: String],
                biz["out_trade_no"] == "A1", let number = biz["out_request_no"], let inner = answers[number]
            else { return Self.bad(method) }
            return Self.answer(method, inner)
        }) { server in
            try await withHTTPClient { http in
                let (client, _) = try Self.client(server, http)
                let done = try await client.queryRefund(outTradeNo: "A1", outRefundNo: "done")
                #expect(done.state == .succeeded && done.refundAmount.fen == 500 && done.rawState == "REFUND_SUCCESS")
                for number in ["empty", "nostatus", "other"] {
                    var failure: ChannelError?
                    do { _ = try await client.queryRefund(outTradeNo: "A1", outRefundNo: number) } catch { failure = error as? ChannelError }
                    #expect(failure?.code == .notFound && failure?.isVerifiedAnswer == true, "\(number): \(String(describing: failure))")
                    // Refund data without REFUND_SUCCESS is told apart from no data: a caller must not return its money.
                    #expect(failure?.channelCode == (number == "empty" ? nil : AlipayClient.refundDataWithoutSuccess), "\(number)")
                }
            }
        }
    }

    @Test func refundCarriesOutRequestNo() async throws {
        try await withServer({ _, request in
            let method = "alipay.trade.refund"
            guard let p = Self.verifiedParameters(request),
                let biz = try? JSONSerialization.jsonObject(with: Data((p["biz_content"] ?? "").utf8)) as? [String: String],
                biz["out_request_no"] == "RF1", biz["refund_amount"] == "5.00"
            else { return Self.bad(method) }
            return Self.answer(
                method,
                #"{"code":"10000","msg":"Success","trade_no":"T","out_trade_no":"A1","fund_change":"Y","refund_fee":"5.00","gmt_refund_pay":"2024-06-08 10:34:56"}"#)
        }) { server in
            try await withHTTPClient { http in
                let (client, _) = try Self.client(server, http)
                let refund = try await client.refund(
                    RefundRequest(
                        outTradeNo: "A1", outRefundNo: "RF1", refundAmount: try Amount.parseYuan("5"),
                        totalAmount: try Amount.parseYuan("88.88")))
                #expect(refund.state == .succeeded && refund.refundAmount.fen == 500 && refund.totalRefunded?.fen == 500)
            }
        }
    }
}
