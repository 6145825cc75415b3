import Foundation
import PaystreamCore

/// A WeChat Pay trade bill (交易账单, bill_type ALL) as WeChat Pay serves it: UTF-8 (with or without a BOM),
/// CRLF or LF line ends, a header line of column names, data rows whose every field starts with a backtick,
/// then a summary header (总交易单数,…) and one backticked line of totals.
///
/// Guarantees: columns are found by their names, so both the 27-column layout and the older 24-column one read;
/// every amount is parsed exactly (fen, or 1/100,000 yuan for fees); ``init(_:)`` refuses a bill whose summary
/// disagrees with its rows (count, 应结订单金额, 退款金额, 手续费, 订单金额 and 申请退款金额 where present).
public struct WeChatTradeBill: Sendable {
    /// The summary line's totals.
    public struct Summary: Sendable, Equatable {
        public var count: Int
        /// 应结订单总金额 (settlement total of payments).
        public var settledFen: Int64
        /// 退款总金额.
        public var refundFen: Int64
        /// 充值券退款总金额 (absent in the old layout: 0).
        public var voucherRefundFen: Int64
        /// 手续费总金额, in 1/100,000 yuan (the bill prints fees with five decimals).
        public var feeHundredThousandthsYuan: Int64
        /// 订单总金额 (absent in the old layout: nil).
        public var orderFen: Int64?
        /// 申请退款总金额 (absent in the old layout: nil).
        public var appliedRefundFen: Int64?

        public init(
            count: Int, settledFen: Int64, refundFen: Int64, voucherRefundFen: Int64, feeHundredThousandthsYuan: Int64,
            orderFen: Int64?, appliedRefundFen: Int64?
        ) {
            self.count = count
            self.settledFen = settledFen
            self.refundFen = refundFen
            self.voucherRefundFen = voucherRefundFen
            self.feeHundredThousandthsYuan = feeHundredThousandthsYuan
            self.orderFen = orderFen
            self.appliedRefundFen = appliedRefundFen
        }
    }

    public var header: [String]
    /// Data rows, backticks removed; each has `header.count` fields.
    public var rows: [[String]]
    public var summary: Summary

    public init(_ bytes: [UInt8]) throws(BillFormatError) {
        let lines = BillText.lines(bytes)
        guard lines.count >= 3 else { throw BillFormatError("a WeChat Pay bill has at least a header and two summary lines") }
        header = lines[0].components(separatedBy: ",")
        guard header.contains("交易时间"), header.contains("商户订单号") else {
            throw BillFormatError("line 1 is not a WeChat Pay bill header")
        }
        let summaryHeader = lines[lines.count - 2].components(separatedBy: ",")
        guard summaryHeader.first == "总交易单数" else { throw BillFormatError("the second-last line is not the summary header") }
        var rows: [[String]] = []
        for (index, line) in lines[1..<(lines.count - 2)].enumerated() {
            let fields = try Self.unquote(line, line: index + 2)
            guard fields.count == header.count else {
                throw BillFormatError("line \(index + 2) has \(fields.count) fields, the header \(header.count)")
            }
            rows.append(fields)
        }
        self.rows = rows
        let totals = try Self.unquote(lines[lines.count - 1], line: lines.count)
        guard totals.count == summaryHeader.count else { throw BillFormatError("the summary has \(totals.count) values for \(summaryHeader.count) names") }
        func total(_ names: String...) -> String? {
            for name in names { if let i = summaryHeader.firstIndex(of: name) { return totals[i] } }
            return nil
        }
        func fen(_ names: String...) throws(BillFormatError) -> Int64? {
            for name in names { if let i = summaryHeader.firstIndex(of: name) { return try BillDecimal.fen(totals[i]) } }
            return nil
        }
        guard let count = total("总交易单数"), let settled = try fen("应结订单总金额", "总交易额"), let refund = try fen("退款总金额", "总退款金额"),
            let fee = total("手续费总金额")
        else { throw BillFormatError("the summary lacks 总交易单数, 应结订单总金额, 退款总金额 or 手续费总金额") }
        summary = Summary(
            count: try BillDecimal.count(count), settledFen: settled, refundFen: refund,
            voucherRefundFen: try fen("充值券退款总金额", "总代金券或立减优惠退款金额") ?? 0,
            feeHundredThousandthsYuan: try BillDecimal.parse(fee, scale: 5), orderFen: try fen("订单总金额"),
            appliedRefundFen: try fen("申请退款总金额"))
        try checkTotals()
    }

    /// The index of a column, by any of its names (the layouts renamed a few).
    public func column(_ names: String...) -> Int? {
        for name in names { if let index = header.firstIndex(of: name) { return index } }
        return nil
    }

    /// The exact sum of a column over every row, in units of 10^-scale yuan.
    public func sum(_ column: Int, scale: Int = 2) throws(BillFormatError) -> Int64 {
        var total: Int64 = 0
        for row in rows {
            let (next, overflow) = total.addingReportingOverflow(try BillDecimal.parse(row[column], scale: scale))
            guard !overflow else { throw BillFormatError("the column sum does not fit in Int64") }
            total = next
        }
        return total
    }

    private func checkTotals() throws(BillFormatError) {
        guard summary.count == rows.count else { throw BillFormatError("the summary counts \(summary.count) rows, the bill has \(rows.count)") }
        var checks: [(String, Int?, Int64?, Int)] = [
            ("应结订单金额", column("应结订单金额", "总金额"), summary.settledFen, 2),
            ("退款金额", column("退款金额"), summary.refundFen, 2),
            ("手续费", column("手续费"), summary.feeHundredThousandthsYuan, 5),
        ]
        checks.append(("订单金额", column("订单金额"), summary.orderFen, 2))
        checks.append(("申请退款金额", column("申请退款金额"), summary.appliedRefundFen, 2))
        for (name, index, expected, scale) in checks {
            guard let index, let expected else { continue }
            let found = try sum(index, scale: scale)
            guard found == expected else { throw BillFormatError("\(name) adds up to \(found), the summary says \(expected)") }
        }
    }

    /// The rows as reconciliation records: a row with a WeChat refund number (微信退款单号, not "0") is a refund of
    /// 退款金额, any other row a payment of 订单金额 (应结订单金额 in the old layout) whose status is 交易状态.
    public func records() throws(BillFormatError) -> [ChannelBillRecord] {
        guard let time = column("交易时间"), let transaction = column("微信订单号"), let outTradeNo = column("商户订单号"),
            let state = column("交易状态"), let amount = column("订单金额", "应结订单金额", "总金额"), let refundID = column("微信退款单号"),
            let outRefundNo = column("商户退款单号"), let refund = column("退款金额")
        else { throw BillFormatError("the bill lacks a column reconciliation needs") }
        let refundState = column("退款状态")
        return try rows.map { row throws(BillFormatError) in
            let isRefund = !row[refundID].isEmpty && row[refundID] != "0"
            if isRefund {
                let status = refundState.map { row[$0] } ?? "SUCCESS"
                return ChannelBillRecord(
                    channel: .wechat, kind: .refund, transactionID: row[transaction], outTradeNo: row[outTradeNo],
                    outRefundNo: row[outRefundNo], status: status, succeeded: status == "SUCCESS",
                    amountFen: try BillDecimal.fen(row[refund]), billedAt: row[time])
            }
            return ChannelBillRecord(
                channel: .wechat, kind: .payment, transactionID: row[transaction], outTradeNo: row[outTradeNo],
                status: row[state], succeeded: row[state] == "SUCCESS", amountFen: try BillDecimal.fen(row[amount]),
                billedAt: row[time])
        }
    }

    static func unquote(_ line: String, line number: Int) throws(BillFormatError) -> [String] {
        var fields: [String] = []
        for field in line.components(separatedBy: ",") {
            guard field.hasPrefix("`") else { throw BillFormatError("line \(number): a field without its backtick") }
            fields.append(String(field.dropFirst()))
        }
        return fields
    }
}

/// Text handling shared by the bill parsers.
enum BillText {
    /// The lines of a UTF-8 text (a BOM dropped; CRLF or LF; no trailing empty line).
    static func lines(_ bytes: [UInt8]) -> [String] {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
        // Split the bytes, not the String: "\r\n" is one Character, which a Character split never sees as "\n".
        var lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}
