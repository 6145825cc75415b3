import Foundation

/// The Alipay trade-detail bill (业务明细) in the channel's layout, as UTF-8 text with LF line ends.
///
/// Guarantees: four `#` header lines, the 25-column header, one row per payment (业务类型 交易) or refund (退款,
/// negative amounts), the end marker and `#` footer lines whose counts and sums equal the rows. The real file is
/// GBK inside a zip; the sandbox serves the CSV itself in UTF-8 (documented simplification).
enum AlipayBillWriter {
    static let columns =
        "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
    static let listStart = "#-----------------------------------------业务明细列表----------------------------------------"
    static let listEnd = "#-----------------------------------------业务明细列表结束------------------------------------"

    static func write(_ lines: [BillLine], account: String, day: String, exportedAt: Date) -> [UInt8] {
        let start = ShanghaiTime.startOfDay(day) ?? exportedAt
        var text = "#支付宝业务明细查询\n#账号：[\(account)]\n"
        text += "#起始日期：[\(ShanghaiTime.chineseDateTime(start))]   终止日期：[\(ShanghaiTime.chineseDateTime(start.addingTimeInterval(86_400)))]\n"
        text += listStart + "\n" + columns + "\n"
        var payments = 0, refunds = 0
        var paid: Int64 = 0, refunded: Int64 = 0
        for line in lines {
            let isPayment = line.kind == .payment
            let signed = isPayment ? line.amountFen : -line.amountFen
            if isPayment {
                payments += 1
                paid += signed
            } else {
                refunds += 1
                refunded += signed
            }
            let amount = BillBook.yuan(signed)
            let fields = [
                line.tradeNo + "\t", line.outTradeNo + "\t", (line.statusOverride ?? (isPayment ? "交易" : "退款")) + "\t",
                BillBook.clean(line.subject), ShanghaiTime.dateTime(line.createdAt), ShanghaiTime.dateTime(line.time),
                "\t", "\t", "\t", "\t", BillBook.clean(line.payer) + "\t", amount, amount, "0.00", "0.00", "0.00", "0.00",
                "0.00", "", "0.00\t", "0.00", (line.outRefundNo.map(BillBook.clean) ?? "") + "\t", "0.00", "0.00",
                BillBook.clean(line.subject),
            ]
            assert(fields.count == 25)
            text += fields.joined(separator: ",") + "\n"
        }
        text += listEnd + "\n"
        text += "#交易合计：\(payments)笔，商家实收共\(BillBook.yuan(paid))元，商家优惠共0.00元\n"
        text += "#退款合计：\(refunds)笔，商家实收退款共\(BillBook.yuan(refunded))元，商家优惠退款共0.00元\n"
        text += "#导出时间：[\(ShanghaiTime.chineseDateTime(exportedAt))]\n"
        return Array(text.utf8)
    }
}
