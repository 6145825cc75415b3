/// The WeChat Pay trade bill, type ALL, byte for byte in the channel's layout.
///
/// Guarantees: UTF-8 with a BOM, CRLF after every line; line 1 is the 27-column header; every data field starts
/// with a backtick; the last two lines are the summary header and the backticked totals, which equal the sums of
/// the rows (fees are 0.60% rounded half up to the fen, printed with five decimals as WeChat Pay prints them).
enum WeChatBillWriter {
    static let header =
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
    static let summaryHeader = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    static let feeRate = "0.60%"

    /// The fee on `fen` at 0.60%, rounded half up to the fen.
    static func fee(_ fen: Int64) -> Int64 { (fen * 6 + 500) / 1000 }

    static func write(_ lines: [BillLine], appID: String, merchantID: String) -> [UInt8] {
        var settled: Int64 = 0, refunded: Int64 = 0, fees: Int64 = 0, ordered: Int64 = 0, applied: Int64 = 0
        var text = header + "\r\n"
        for line in lines {
            let isPayment = line.kind == .payment
            let settle = isPayment ? line.amountFen : 0
            let refund = isPayment ? 0 : line.amountFen
            let lineFee = isPayment ? fee(line.amountFen) : -fee(line.amountFen)
            settled += settle
            refunded += refund
            fees += lineFee
            ordered += settle
            applied += refund
            let fields = [
                ShanghaiTime.dateTime(line.time), appID, merchantID, "0", "", line.tradeNo, line.outTradeNo, line.payer,
                "NATIVE", line.statusOverride ?? (isPayment ? "SUCCESS" : "REFUND"), "OTHERS", "CNY", BillBook.yuan(settle),
                "0.00", line.refundID ?? "0", line.outRefundNo ?? "0", BillBook.yuan(refund), "0.00", isPayment ? "" : "ORIGINAL",
                isPayment ? "" : "SUCCESS", line.subject, line.attach, BillBook.yuan(lineFee, decimals: 5), feeRate,
                BillBook.yuan(settle), BillBook.yuan(refund), "",
            ]
            assert(fields.count == 27)
            text += fields.map { "`" + BillBook.clean($0) }.joined(separator: ",") + "\r\n"
        }
        text += summaryHeader + "\r\n"
        let totals = [
            String(lines.count), BillBook.yuan(settled), BillBook.yuan(refunded), "0.00", BillBook.yuan(fees, decimals: 5),
            BillBook.yuan(ordered), BillBook.yuan(applied),
        ]
        text += totals.map { "`" + $0 }.joined(separator: ",") + "\r\n"
        return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
    }
}
