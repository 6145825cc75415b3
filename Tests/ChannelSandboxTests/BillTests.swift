import Cryptography
import Foundation
import TestSupport
import Testing

@testable import ChannelSandbox

@Suite("Daily bills (simulated)")
struct BillTests {
    static var today: String { ShanghaiTime.day(Date()) }

    @Test("the WeChat ALL bill downloads with its SHA1 and parses back; totals equal the rows")
    func wechatBill() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            let client = try sandbox.wechat
            for (number, fen) in [("bill-a", 1000), ("bill-b", 2345), ("bill-c", 1)] {
                try await NotifyFaultTests.payWeChat(sandbox, receiver, number, fen: fen)
            }
            let refund = """
                {"out_trade_no":"bill-a","out_refund_no":"bill-a-r1","amount":{"refund":400,"total":1000,"currency":"CNY"}}
                """
            #expect(try await client.send("POST", "/v3/refund/domestic/refunds", json: refund).status == 200)
            try await Task.sleep(for: .milliseconds(300))  // the refund succeeds after the settle delay

            let ask = try await client.send("GET", "/v3/bill/tradebill?bill_date=\(Self.today)&bill_type=ALL")
            #expect(ask.status == 200, "\(ask.text)")
            #expect(try WeChatTestClient.verify(headers: ask.headers, body: ask.body, certificate: sandbox.platformCertificate()))
            let info = try ask.json()
            #expect(info["hash_type"] as? String == "SHA1")
            let link = try #require(info["download_url"] as? String)
            #expect(link.hasPrefix(sandbox.baseURL))
            let target = String(link.dropFirst(sandbox.baseURL.count))
            let file = try await client.send("GET", target)
            #expect(file.status == 200)
            #expect(Hex.encode(SHA1.hash(file.body)) == info["hash_value"] as? String)

            let bill = try ParsedWeChatBill(file.body)
            #expect(bill.header.count == 27)
            #expect(bill.header.first == "交易时间" && bill.header.last == "费率备注")
            #expect(bill.rows.allSatisfy { $0.count == 27 })
            #expect(bill.rows.count == 4)
            #expect(bill.summaryHeader == ["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"])
            let parse = ParsedWeChatBill.hundredThousandths
            #expect(Int(bill.summary[0]) == bill.rows.count)
            #expect(parse(bill.summary[1]) == bill.sum("应结订单金额"))
            #expect(parse(bill.summary[2]) == bill.sum("退款金额"))
            #expect(parse(bill.summary[4]) == bill.sum("手续费"))
            #expect(parse(bill.summary[5]) == bill.sum("订单金额"))
            #expect(parse(bill.summary[6]) == bill.sum("申请退款金额"))
            #expect(parse(bill.summary[1]) == 334_600_0)  // 10.00 + 23.45 + 0.01 yuan
            #expect(parse(bill.summary[2]) == 400_000)
            let states = bill.rows.map { $0[bill.column("交易状态")!] }
            #expect(states.sorted() == ["REFUND", "SUCCESS", "SUCCESS", "SUCCESS"])
        } }
    }

    @Test("the generated WeChat bill has the layout of the published sample")
    func sameLayoutAsSample() throws {
        let sample = try Data(contentsOf: TestEnvironmentVectors.url("wechatpay_bill_ALL_wechatpay-php.csv"))
        let published = try ParsedWeChatBill(Array(sample))
        let line = BillLine(
            kind: .payment, time: Date(), createdAt: Date(), outTradeNo: "o1", tradeNo: "t1", payer: "p", subject: "s",
            attach: "", amountFen: 123, outRefundNo: nil, refundID: nil, statusOverride: nil)
        let ours = try ParsedWeChatBill(WeChatBillWriter.write([line], appID: "wx1", merchantID: "1900"))
        #expect(ours.header == published.header)
        #expect(ours.summaryHeader == published.summaryHeader)
        #expect(ours.rows[0].count == published.rows[0].count)
        #expect(published.sum("应结订单金额") == ParsedWeChatBill.hundredThousandths(published.summary[1]))
    }

    @Test("injected discrepancies change the bills: missing either side, amount, status, cross-day")
    func injections() async throws {
        try await withReceiver { receiver in try await withSandbox { sandbox in
            for number in ["inj-missing", "inj-amount", "inj-status", "inj-cross"] {
                try await NotifyFaultTests.payWeChat(sandbox, receiver, number, fen: 100)
            }
            let day = Self.today
            for body in [
                #"{"channel":"wechat","date":"\#(day)","kind":"missingOnChannel","outTradeNo":"inj-missing"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"amountDiffers","outTradeNo":"inj-amount","amountFen":99}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"statusDiffers","outTradeNo":"inj-status","status":"REVOKED"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"crossDay","outTradeNo":"inj-cross"}"#,
                #"{"channel":"wechat","date":"\#(day)","kind":"missingOnPlatform","outTradeNo":"inj-extra","amountFen":777}"#,
            ] {
                let stored = try await sandbox.control("POST", "/sandbox/bills/inject", body)
                #expect(stored.status == 200, "\(stored.text)")
            }
            let bill = try ParsedWeChatBill(try await sandbox.control("GET", "/sandbox/bills/wechat/\(day)").body)
            let byNumber = Dictionary(bill.rows.map { ($0[6], $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byNumber["inj-missing"] == nil)
            #expect(byNumber["inj-cross"] == nil)
            #expect(byNumber["inj-amount"]?[12] == "0.99")
            #expect(byNumber["inj-status"]?[9] == "REVOKED")
            #expect(byNumber["inj-extra"]?[12] == "7.77")
            let next = try #require(ShanghaiTime.nextDay(day))
            let tomorrow = try ParsedWeChatBill(try await sandbox.control("GET", "/sandbox/bills/wechat/\(next)").body)
            #expect(tomorrow.rows.map { $0[6] } == ["inj-cross"])
            #expect(tomorrow.rows.first?[0] == "\(next) 00:00:01")
        } }
    }

    @Test("the Alipay trade-detail bill has the 25 columns and footer totals of the sample layout")
    func alipayBill() async throws {
        try await withReceiver(fallback: (200, "success")) { receiver in try await withSandbox { sandbox in
            let appKey = try sandbox.merchantKey(SandboxStateFiles.alipayAppPrivateKey)
            for (number, amount) in [("ab-1", "1.00"), ("ab-2", "2.50")] {
                let create = try AlipayTestSigning.signedRequest(
                    method: "alipay.trade.precreate", biz: #"{"out_trade_no":"\#(number)","total_amount":"\#(amount)","subject":"s"}"#,
                    appID: sandbox.configuration.alipayAppID, key: appKey, extra: ["notify_url": receiver.url])
                _ = try await AlipayTests.call(sandbox, create)
                _ = try await sandbox.pay("alipay", number)
            }
            let refund = try AlipayTestSigning.signedRequest(
                method: "alipay.trade.refund", biz: #"{"out_trade_no":"ab-2","refund_amount":"0.50","out_request_no":"rq-1"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey)
            _ = try await AlipayTests.call(sandbox, refund)
            let ask = try AlipayTestSigning.signedRequest(
                method: "alipay.data.dataservice.bill.downloadurl.query", biz: #"{"bill_type":"trade","bill_date":"\#(Self.today)"}"#,
                appID: sandbox.configuration.alipayAppID, key: appKey)
            let response = try AlipayTests.verifiedResponse(
                sandbox, try await AlipayTests.call(sandbox, ask), key: "alipay_data_dataservice_bill_downloadurl_query_response")
            let link = try #require(response["bill_download_url"] as? String)
            let file = try await http("GET", link)
            #expect(file.status == 200)
            let bill = ParsedAlipayBill(file.body)
            #expect(bill.headerComments.count == 4)
            #expect(bill.headerComments[0] == "#支付宝业务明细查询")
            #expect(bill.columns.count == 25)
            #expect(bill.rows.count == 3)
            #expect(bill.rows.allSatisfy { $0.count == 25 })
            #expect(bill.rows.filter { $0[2] == "退款" }.map { $0[12] } == ["-0.50"])
            #expect(bill.footer.contains("#交易合计：2笔，商家实收共3.50元，商家优惠共0.00元"))
            #expect(bill.footer.contains("#退款合计：1笔，商家实收退款共-0.50元，商家优惠退款共0.00元"))
            let sample = ParsedAlipayBill(Array(try Data(contentsOf: TestEnvironmentVectors.url("alipay_bill_trade_detail_sample.csv"))))
            #expect(bill.columns == sample.columns)
        } }
    }
}

/// ../shared/vectors, located by the shared test support.
enum TestEnvironmentVectors {
    static func url(_ name: String) -> URL { TestEnvironment.vectorsDirectory.appendingPathComponent(name) }
}
