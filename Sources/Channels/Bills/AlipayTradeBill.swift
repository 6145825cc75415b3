import Foundation
import PaystreamCore

/// An Alipay trade-detail bill (业务明细, bill_type=trade) in its documented layout: `#` header lines, the column
/// header (支付宝交易号,商户订单号,业务类型,…), one row per payment (业务类型 交易) or refund (退款, negative
/// amounts), the `#…业务明细列表结束…` marker and `#` footer lines with the totals
/// (`#交易合计：N笔，商家实收共X元，…`, `#退款合计：M笔，商家实收退款共-Y元，…`).
///
/// Guarantees: fields are trimmed of the tabs and spaces Alipay pads identifiers with; columns are found by name;
/// amounts are parsed exactly; ``init(_:)`` refuses a bill whose footer totals disagree with its rows. It reads the
/// detail CSV itself (UTF-8, as the sandbox serves it, or GBK/GB18030, as Alipay writes it) or the `.csv.zip`
/// Alipay's download URL serves (the `…业务明细.csv` entry; ``ZipArchive``).
public struct AlipayTradeBill: Sendable {
    public struct Totals: Sendable, Equatable {
        public var tradeCount: Int
        /// 商家实收 of the 交易 rows.
        public var tradeReceivedFen: Int64
        public var refundCount: Int
        /// 商家实收退款 of the 退款 rows (negative or zero).
        public var refundReceivedFen: Int64

        public init(tradeCount: Int, tradeReceivedFen: Int64, refundCount: Int, refundReceivedFen: Int64) {
            self.tradeCount = tradeCount
            self.tradeReceivedFen = tradeReceivedFen
            self.refundCount = refundCount
            self.refundReceivedFen = refundReceivedFen
        }
    }

    public var headerComments: [String]
    public var columns: [String]
    public var rows: [[String]]
    public var footer: [String]
    public var totals: Totals

    public init(_ bytes: [UInt8]) throws(BillFormatError) {
        var bytes = bytes
        if ZipArchive.isZip(bytes) {
            // Alipay's .csv.zip holds the detail (…_业务明细.csv) and a summary (…_业务明细(汇总).csv).
            let files = try ZipArchive(bytes).entries
            guard let detail = files.first(where: { $0.name.hasSuffix("业务明细.csv") }) ?? (files.count == 1 ? files.first : nil) else {
                throw BillFormatError("the zip has no …业务明细.csv (it holds \(files.map(\.name)))")
            }
            bytes = detail.contents
        }
        let text: [UInt8]
        if String(validating: bytes, as: UTF8.self) != nil {
            text = bytes
        } else if let decoded = String(data: Data(bytes), encoding: Self.gb18030) {
            text = Array(decoded.utf8)
        } else {
            throw BillFormatError("the bill is neither UTF-8 nor GBK/GB18030 text")
        }
        let lines = BillText.lines(text)
        headerComments = Array(lines.prefix { $0.hasPrefix("#") })
        var rest = lines.dropFirst(headerComments.count)
        guard let columnLine = rest.popFirst(), columnLine.hasPrefix("支付宝交易号") else {
            throw BillFormatError("no 支付宝交易号,… column header after the # lines")
        }
        columns = columnLine.components(separatedBy: ",").map(Self.trim)
        var rows: [[String]] = []
        while let line = rest.first, !line.hasPrefix("#") {
            rest.removeFirst()
            let fields = line.components(separatedBy: ",").map(Self.trim)
            guard fields.count == columns.count else {
                throw BillFormatError("a row has \(fields.count) fields, the header \(columns.count)")
            }
            rows.append(fields)
        }
        self.rows = rows
        footer = Array(rest)
        totals = try Self.footerTotals(footer)
        try checkTotals()
    }

    public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// GB18030 (a superset of GBK, the encoding of Alipay's bill files): CoreFoundation's kCFStringEncodingGB_18030_2000.
    public static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    /// The rows as reconciliation records: 交易 is a succeeded payment, 退款 a refund (its amount made positive);
    /// any other 业务类型 is a payment whose money did not move, with that word as its status.
    public func records() throws(BillFormatError) -> [ChannelBillRecord] {
        guard let tradeNo = column("支付宝交易号"), let outTradeNo = column("商户订单号"), let type = column("业务类型"),
            let finished = column("完成时间"), let amount = column("订单金额（元）"), let batch = column("退款批次号/请求号")
        else { throw BillFormatError("the bill lacks a column reconciliation needs") }
        return try rows.map { row throws(BillFormatError) in
            let fen = try BillDecimal.fen(row[amount])
            let isRefund = row[type] == "退款"
            return ChannelBillRecord(
                channel: .alipay, kind: isRefund ? .refund : .payment, transactionID: row[tradeNo], outTradeNo: row[outTradeNo],
                outRefundNo: isRefund ? row[batch] : nil, status: row[type], succeeded: row[type] == "交易" || isRefund,
                amountFen: fen < 0 ? -fen : fen, billedAt: row[finished])
        }
    }

    private func checkTotals() throws(BillFormatError) {
        guard let type = column("业务类型"), let received = column("商家实收（元）") else {
            throw BillFormatError("the bill has no 业务类型 or 商家实收（元） column")
        }
        var found = Totals(tradeCount: 0, tradeReceivedFen: 0, refundCount: 0, refundReceivedFen: 0)
        // Sums that do not fit are a malformed bill, not a trap: a bill is the channel's input.
        func add(_ fen: Int64, to total: inout Int64) throws(BillFormatError) {
            let (sum, overflow) = total.addingReportingOverflow(fen)
            guard !overflow else { throw BillFormatError("the 商家实收（元） column's sum does not fit in Int64") }
            total = sum
        }
        for row in rows {
            let fen = try BillDecimal.fen(row[received])
            if row[type] == "退款" {
                found.refundCount += 1
                try add(fen, to: &found.refundReceivedFen)
            } else {
                found.tradeCount += 1
                try add(fen, to: &found.tradeReceivedFen)
            }
        }
        guard found == totals else { throw BillFormatError("the rows add up to \(found), the footer says \(totals)") }
    }

    /// Reads `#交易合计：6笔，商家实收共0.06元…` and `#退款合计：4笔，商家实收退款共-0.04元…`.
    static func footerTotals(_ footer: [String]) throws(BillFormatError) -> Totals {
        func figures(_ prefix: String, _ label: String) throws(BillFormatError) -> (Int, Int64) {
            guard let line = footer.first(where: { $0.hasPrefix(prefix) }) else { throw BillFormatError("no \(prefix) footer line") }
            let body = line.dropFirst(prefix.count)
            guard let countEnd = body.firstIndex(of: "笔"), let labelRange = body.range(of: label),
                let yuanEnd = body[labelRange.upperBound...].firstIndex(of: "元")
            else { throw BillFormatError("\(line) is not \(prefix)N笔，\(label)X元") }
            return (try BillDecimal.count(String(body[..<countEnd])), try BillDecimal.fen(String(body[labelRange.upperBound..<yuanEnd])))
        }
        let trades = try figures("#交易合计：", "商家实收共")
        let refunds = try figures("#退款合计：", "商家实收退款共")
        return Totals(tradeCount: trades.0, tradeReceivedFen: trades.1, refundCount: refunds.0, refundReceivedFen: refunds.1)
    }

    static func trim(_ field: String) -> String {
        field.trimmingCharacters(in: [" ", "\t"])
    }
}
