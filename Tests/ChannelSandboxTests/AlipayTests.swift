import Cryptography
import Foundation
import Testing

@testable import ChannelSandbox

@Suite("Alipay gateway (simulated)")
struct AlipayTests {
    static func call(_ sandbox: TestSandbox, _ parameters: [String: String]) async throws -> HTTPResult {
        try await http(
            "POST", sandbox.baseURL + "/gateway.do", body: Array(AlipayTestSigning.form(parameters).utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded;charset=utf-8"])
    }

    /// The response object of `key` after checking the answer's signature over its exact text.
    static func verifiedResponse(_ sandbox: TestSandbox, _ result: HTTPResult, key: String) throws -> [String: Any] {
        let text = result.text
        let objectText = try #require(AlipayTestSigning.responseObjectText(text, key: key), "no \(key) in \(text)")
        let sign = try #require(try result.json()["sign"] as? String)
        #expect(try sandbox.alipayPublicKey().isValidSignatureSHA256(try Base64.decode(sign), for: objectText))
        return try JSONSerialization.jsonObject(with: Data(objectText.utf8)) as? [String: Any] ?? [:]
    }

    @Test("a signed precreate returns a qr_code; a tampered one is refused with isv.invalid-signature")
    func precreate() async throws {
        try await withSandbox { sandbox in
            let appKey = try sandbox.merchantKey(SandboxStateFiles.alipayAppPrivateKey)
            var parameters = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.precreate",
                biz: #"{"out_trade_no":"ali-1","total_amount":"88.88","subject":"充值"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey, extra: ["notify_url": "http://127.0.0.1:1/n"])
            let result = try await Self.call(sandbox, parameters)
            #expect(result.status == 200)
            let response = try Self.verifiedResponse(sandbox, result, key: "alipay_trade_precreate_response")
            #expect(response["code"] as? String == "10000")
            #expect(response["msg"] as? String == "Success")
            #expect(response["out_trade_no"] as? String == "ali-1")
            #expect((response["qr_code"] as? String)?.hasPrefix("https://qr.alipay.com/") == true)

            parameters["biz_content"] = #"{"out_trade_no":"ali-1","total_amount":"0.01","subject":"充值"}"#
            let tampered = try await Self.call(sandbox, parameters)
            let refused = try Self.verifiedResponse(sandbox, tampered, key: "alipay_trade_precreate_response")
            #expect(refused["code"] as? String == "40002")
            #expect(refused["sub_code"] as? String == "isv.invalid-signature")

            var unsigned = parameters
            unsigned["sign"] = nil
            let missing = try Self.verifiedResponse(sandbox, try await Self.call(sandbox, unsigned), key: "alipay_trade_precreate_response")
            #expect(missing["sub_code"] as? String == "isv.missing-signature")
        }
    }

    @Test("the async notify verifies over sorted params without sign and sign_type; only `success` acknowledges")
    func notify() async throws {
        try await withReceiver(script: [(200, "ok")], fallback: (200, "success")) { receiver in try await withSandbox { sandbox in
            let appKey = try sandbox.merchantKey(SandboxStateFiles.alipayAppPrivateKey)
            let parameters = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.precreate",
                biz: #"{"out_trade_no":"ali-notify-1","total_amount":"12.30","subject":"扫码"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey, extra: ["notify_url": receiver.url])
            _ = try await Self.call(sandbox, parameters)
            let paid = try await sandbox.pay("alipay", "ali-notify-1", extra: ",\"payer\":\"2088102146225135\"")
            #expect(paid.status == 200, "\(paid.text)")
            let received = try await receiver.wait(for: 2)
            try #require(received.count == 2)
            let form = AlipayTestSigning.parseForm(received[0].text)
            #expect(received[0].headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(form["trade_status"] == "TRADE_SUCCESS")
            #expect(form["total_amount"] == "12.30")
            #expect(form["out_trade_no"] == "ali-notify-1")
            #expect(form["buyer_id"] == "2088102146225135")
            #expect(form["sign_type"] == "RSA2")
            let content = AlipayTestSigning.content(form, excluding: ["sign", "sign_type"])
            #expect(try sandbox.alipayPublicKey().isValidSignatureSHA256(try Base64.decode(form["sign"] ?? ""), for: content))
            let records = try await sandbox.waitForNotifies(reference: "ali-notify-1") { $0.first?.state == .delivered }
            #expect(records.first?.attempts.map(\.acknowledged) == [false, true])

            let query = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.query", biz: #"{"out_trade_no":"ali-notify-1"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey)
            let status = try Self.verifiedResponse(sandbox, try await Self.call(sandbox, query), key: "alipay_trade_query_response")
            #expect(status["trade_status"] as? String == "TRADE_SUCCESS")
            #expect(status["total_amount"] as? String == "12.30")
            // The same trade asked by Alipay's own number.
            let tradeNo = try #require(status["trade_no"] as? String)
            let byTradeNo = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.query", biz: #"{"trade_no":"\#(tradeNo)"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey)
            let same = try Self.verifiedResponse(sandbox, try await Self.call(sandbox, byTradeNo), key: "alipay_trade_query_response")
            #expect(same["out_trade_no"] as? String == "ali-notify-1" && same["trade_status"] as? String == "TRADE_SUCCESS")

            let refund = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.refund", biz: #"{"out_trade_no":"ali-notify-1","refund_amount":"2.30","out_request_no":"r1"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey)
            let refunded = try Self.verifiedResponse(sandbox, try await Self.call(sandbox, refund), key: "alipay_trade_refund_response")
            #expect(refunded["code"] as? String == "10000")
            #expect(refunded["fund_change"] as? String == "Y")
            #expect(refunded["refund_fee"] as? String == "2.30")
            let again = try Self.verifiedResponse(sandbox, try await Self.call(sandbox, refund), key: "alipay_trade_refund_response")
            #expect(again["fund_change"] as? String == "N")
        } }
    }

    @Test("page.pay renders the cashier; paying there notifies and redirects with a signed return")
    func pagePay() async throws {
        try await withReceiver(fallback: (200, "success")) { receiver in try await withSandbox { sandbox in
            let appKey = try sandbox.merchantKey(SandboxStateFiles.alipayAppPrivateKey)
            let parameters = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.page.pay",
                biz: #"{"out_trade_no":"ali-page-1","total_amount":"5.00","subject":"网页充值","product_code":"FAST_INSTANT_TRADE_PAY"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey,
                extra: ["notify_url": receiver.url, "return_url": "http://127.0.0.1:1/return"])
            let page = try await http("GET", sandbox.baseURL + "/gateway.do?" + AlipayTestSigning.form(parameters))
            #expect(page.status == 200)
            #expect(page.text.contains("SIMULATED"))
            #expect(page.text.contains("ali-page-1"))
            let pay = try await http(
                "POST", sandbox.baseURL + AlipayEndpoints.cashierPayPath, body: Array("out_trade_no=ali-page-1&buyer_id=2088000000000009".utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"], followRedirects: false)
            #expect(pay.status == 302)
            let location = try #require(pay.headers["location"])
            let returned = AlipayTestSigning.parseForm(String(location.split(separator: "?", maxSplits: 1)[1]))
            #expect(returned["method"] == "alipay.trade.page.pay.return")
            #expect(returned["total_amount"] == "5.00")
            let content = AlipayTestSigning.content(returned, excluding: ["sign", "sign_type"])
            #expect(try sandbox.alipayPublicKey().isValidSignatureSHA256(try Base64.decode(returned["sign"] ?? ""), for: content))
            #expect(try await receiver.wait(for: 1).count == 1)
        } }
    }
}
