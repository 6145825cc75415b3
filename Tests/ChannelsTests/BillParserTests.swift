import Channels
import Foundation
import PaystreamCore
import TestSupport
import Testing

/// The bill parsers against the published files in ../shared/vectors (not against our own writer).
@Suite("Bill parsers")
struct BillParserTests {
    static func vectorBytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: TestEnvironment.vectorsDirectory.appendingPathComponent(name)))
    }

    @Test("the WeChat Pay ALL bill vector parses to the totals of its summary lines")
    func wechatVector() throws {
        let bill = try WeChatTradeBill(try Self.vectorBytes("wechatpay_bill_ALL_wechatpay-php.csv"))
        #expect(bill.header.count == 27)
        #expect(bill.rows.count == 45)
        // `45.0,`0.47,`0.14,`0.0,`0.08,`0.47,`0.14
        #expect(
            bill.summary
                == WeChatTradeBill.Summary(
                    count: 45, settledFen: 47, refundFen: 14, voucherRefundFen: 0, feeHundredThousandthsYuan: 8_000,
                    orderFen: 47, appliedRefundFen: 14))
        #expect(try bill.sum(bill.column("应结订单金额")!) == 47)
        #expect(try bill.sum(bill.column("退款金额")!) == 14)
        #expect(try bill.sum(bill.column("手续费")!, scale: 5) == 8_000)
        let records = try bill.records()
        #expect(records.count == 45)
        #expect(records.filter { $0.kind == .refund }.count == 14)
        #expect(records.filter { $0.kind == .refund }.reduce(0) { $0 + $1.amountFen } == 14)
        #expect(records.filter { $0.kind == .payment }.reduce(0) { $0 + $1.amountFen } == 47)
        let native = try #require(records.first { $0.outTradeNo == "autotest_20190219015232_89201" })
        #expect(native.transactionID == "4200000263201902167700134902" && native.amountFen == 3 && native.succeeded)
        #expect(native.billedAt == "2019-02-19 01:52:32" && native.day == "2019-02-19")
        let refund = try #require(records.first { $0.outRefundNo == "REF4200000263201902167700963919" })
        #expect(refund.kind == .refund && refund.amountFen == 1 && refund.succeeded)
    }

    @Test("a WeChat Pay bill whose summary disagrees with its rows is refused")
    func wechatTampered() throws {
        var text = String(decoding: try Self.vectorBytes("wechatpay_bill_ALL_wechatpay-php.csv"), as: UTF8.self)
        text = text.replacingOccurrences(of: "`45.0,`0.47,", with: "`45.0,`0.48,")
        #expect(throws: BillFormatError.self) { try WeChatTradeBill(Array(text.utf8)) }
        let dropped = text.replacingOccurrences(of: "`45.0,`0.48,", with: "`44.0,`0.47,")
        #expect(throws: BillFormatError.self) { try WeChatTradeBill(Array(dropped.utf8)) }
    }

    @Test("the WxJava layouts: the current ALL bill and the legacy 24-column one")
    func wxjavaSamples() throws {
        let samples = try #require(try TestEnvironment.vector("wechatpay_bill_samples_wxjava.json")["samples"] as? [String: String])
        // The WxJava ALL sample has one row under a summary of 48 (it is trimmed): only the layout is read here.
        let legacy = try WeChatTradeBill(Array(try #require(samples["PAY_BILL_RESULT_ALL_CONTENT_1"]).utf8))
        #expect(legacy.header.count == 24)
        #expect(legacy.summary.count == 2 && legacy.summary.settledFen == 2 && legacy.summary.feeHundredThousandthsYuan == 0)
        #expect(try legacy.records().map(\.amountFen) == [1, 1])
        #expect(throws: BillFormatError.self) { try WeChatTradeBill(Array(try #require(samples["PAY_BILL_RESULT_ALL_CONTENT"]).utf8)) }
    }

    @Test("the Alipay trade-detail bill in its real layout parses, footer totals equal to its rows")
    func alipayVector() throws {
        let bill = try AlipayTradeBill(try Self.vectorBytes("alipay_bill_trade_detail_sample.csv"))
        #expect(bill.headerComments.count == 4)
        #expect(bill.columns.count == 25)
        #expect(bill.rows.count == 10)
        #expect(bill.totals == .init(tradeCount: 6, tradeReceivedFen: 6, refundCount: 4, refundReceivedFen: -4))
        let records = try bill.records()
        #expect(records.filter { $0.kind == .payment }.count == 6)
        let refund = try #require(records.first { $0.outRefundNo == "re_test_1568602607356" })
        #expect(refund.kind == .refund && refund.amountFen == 1 && refund.outTradeNo == "service_1568601259302")
        #expect(refund.transactionID == "2019091622001458860515315453" && refund.billedAt == "2019-09-16 10:56:48")
        let payment = try #require(records.first { $0.outTradeNo == "20190916165659224L3VUQRL9" })
        #expect(payment.succeeded && payment.amountFen == 1 && payment.key == ReconKey(kind: .payment, number: "20190916165659224L3VUQRL9"))
    }

    @Test("the Alipay bill in GBK, the encoding Alipay writes, parses like the UTF-8 copy")
    func alipayGBK() throws {
        let text = String(decoding: try Self.vectorBytes("alipay_bill_trade_detail_sample.csv"), as: UTF8.self)
        let gbk = Array(try #require(text.data(using: AlipayTradeBill.gb18030)))
        #expect(String(validating: gbk, as: UTF8.self) == nil)
        let bill = try AlipayTradeBill(gbk)
        #expect(bill.columns.first == "支付宝交易号" && bill.rows.count == 10)
        #expect(try bill.records() == (try AlipayTradeBill(Array(text.utf8)).records()))
    }

    @Test("an Alipay bill with a wrong footer, a zip, or bytes that are no text is refused")
    func alipayRefusals() throws {
        let text = String(decoding: try Self.vectorBytes("alipay_bill_trade_detail_sample.csv"), as: UTF8.self)
        let wrong = text.replacingOccurrences(of: "#交易合计：6笔，商家实收共0.06元", with: "#交易合计：6笔，商家实收共0.07元")
        #expect(throws: BillFormatError.self) { try AlipayTradeBill(Array(wrong.utf8)) }
        #expect(throws: BillFormatError.self) { try AlipayTradeBill([0x50, 0x4B, 0x03, 0x04, 0, 0]) }
        #expect(throws: BillFormatError.self) { try AlipayTradeBill([0x23, 0xFF, 0xFF, 0x80, 0x0A]) }
        // Amounts whose sum does not fit in Int64 are a malformed bill, not a trap that kills the scheduler.
        let huge = text.replacingOccurrences(of: ",0.01,0.01,", with: ",0.01,92233720368547758.07,")
        #expect(huge != text)
        #expect(throws: BillFormatError.self) { try AlipayTradeBill(Array(huge.utf8)) }
    }

    @Test("bill decimals are exact and malformed ones refused")
    func decimals() throws {
        #expect(try BillDecimal.fen("0.01") == 1)
        #expect(try BillDecimal.fen("-0.01") == -1)
        #expect(try BillDecimal.fen("12.3") == 1230)
        #expect(try BillDecimal.fen("0.0") == 0)
        #expect(try BillDecimal.parse("0.01000", scale: 5) == 1000)
        #expect(try BillDecimal.count("45.0") == 45)
        for bad in ["", " 1", "1.", ".5", "+1", "1e3", "0.001", "1,00", "--1", "99999999999999999999"] {
            #expect(throws: BillFormatError.self, "\(bad)") { try BillDecimal.fen(bad) }
        }
        #expect(throws: BillFormatError.self) { try BillDecimal.count("45.5") }
    }
}
