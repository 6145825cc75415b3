import Foundation
import PaystreamCore

/// What a channel's bill is made from.
struct BillInputs: Sendable {
    var orders: [SandboxOrder]
    var refunds: [SandboxRefund]
    var injections: [BillInjection]
}

/// One row of a day's bill, before it is written in a channel's format.
struct BillLine: Sendable, Equatable {
    enum Kind: Sendable { case payment, refund }
    var kind: Kind
    /// When the payment or refund succeeded (the bill day is this instant's day in Shanghai).
    var time: Date
    var createdAt: Date
    var outTradeNo: String
    var tradeNo: String
    var payer: String
    var subject: String
    var attach: String
    /// The payment amount for a payment, the refunded amount for a refund.
    var amountFen: Int64
    var outRefundNo: String?
    var refundID: String?
    /// A status to print instead of the real one (a `statusDiffers` discrepancy).
    var statusOverride: String?
}

/// Which rows a channel's bill holds for a day, with the injected discrepancies applied.
///
/// Guarantees: pure (no I/O, no clock); a payment is on the day its success time falls on in Asia/Shanghai, a
/// refund on the day it succeeded; lines come sorted by time; the same inputs always give the same lines.
enum BillBook {
    static func lines(_ inputs: BillInputs, day: String) -> [BillLine] {
        guard let start = ShanghaiTime.startOfDay(day) else { return [] }
        let previousDay = ShanghaiTime.day(start.addingTimeInterval(-1))
        let today = inputs.injections.filter { $0.date == day }
        let movedAway = Set(today.filter { $0.kind == .crossDay }.compactMap(\.outTradeNo))
        let missing = Set(today.filter { $0.kind == .missingOnChannel }.compactMap(\.outTradeNo))
        let ordersByNumber = Dictionary(inputs.orders.map { ($0.outTradeNo, $0) }, uniquingKeysWith: { first, _ in first })

        var lines: [BillLine] = []
        for order in inputs.orders where order.state == .paid {
            guard let paidAt = order.paidAt, ShanghaiTime.day(paidAt) == day,
                !movedAway.contains(order.outTradeNo), !missing.contains(order.outTradeNo)
            else { continue }
            lines.append(payment(order, at: paidAt))
        }
        // Payments of the previous day that the channel books on this one (just after midnight).
        for injection in inputs.injections where injection.kind == .crossDay && injection.date == previousDay {
            guard let number = injection.outTradeNo, let order = ordersByNumber[number], order.state == .paid,
                !missing.contains(number)
            else { continue }
            lines.append(payment(order, at: start.addingTimeInterval(1)))
        }
        for refund in inputs.refunds where refund.status == "SUCCESS" {
            guard let finished = refund.finishedAt, ShanghaiTime.day(finished) == day, !missing.contains(refund.outTradeNo)
            else { continue }
            let order = ordersByNumber[refund.outTradeNo]
            lines.append(
                BillLine(
                    kind: .refund, time: finished, createdAt: order?.createdAt ?? refund.createdAt,
                    outTradeNo: refund.outTradeNo, tradeNo: refund.tradeNo, payer: order?.payer ?? "",
                    subject: order?.subject ?? "", attach: order?.attach ?? "", amountFen: refund.amountFen,
                    outRefundNo: refund.outRefundNo, refundID: refund.refundID, statusOverride: nil))
        }
        var extra = 0
        for injection in today {
            switch injection.kind {
            case .amountDiffers:
                guard let amount = injection.amountFen else { continue }
                for index in lines.indices where lines[index].kind == .payment && lines[index].outTradeNo == injection.outTradeNo {
                    lines[index].amountFen = amount
                }
            case .statusDiffers:
                for index in lines.indices where lines[index].kind == .payment && lines[index].outTradeNo == injection.outTradeNo {
                    lines[index].statusOverride = injection.status ?? "REVOKED"
                }
            case .missingOnPlatform:
                extra += 1
                let suffix = String(extra).count < 4 ? String(repeating: "0", count: 4 - String(extra).count) + String(extra) : String(extra)
                let compact = day.replacingOccurrences(of: "-", with: "")
                let time = start.addingTimeInterval(12 * 3600 + Double(extra))
                lines.append(
                    BillLine(
                        kind: .payment, time: time, createdAt: time, outTradeNo: injection.outTradeNo ?? "SIMEXTRA\(compact)\(suffix)",
                        tradeNo: "4200009999\(compact)\(suffix)0000", payer: "sim-unknown-payer", subject: "sandbox extra payment",
                        attach: "", amountFen: injection.amountFen ?? 100, outRefundNo: nil, refundID: nil,
                        statusOverride: injection.status))
            case .missingOnChannel, .crossDay:
                continue
            }
        }
        return lines.sorted { ($0.time, $0.outTradeNo) < ($1.time, $1.outTradeNo) }
    }

    private static func payment(_ order: SandboxOrder, at time: Date) -> BillLine {
        BillLine(
            kind: .payment, time: time, createdAt: order.createdAt, outTradeNo: order.outTradeNo, tradeNo: order.tradeNo,
            payer: order.payer ?? "", subject: order.subject, attach: order.attach ?? "",
            amountFen: order.paidFen ?? order.amountFen, outRefundNo: nil, refundID: nil, statusOverride: nil)
    }

    /// `fen` as yuan with `decimals` (2 or 5) digits, negative values with a leading `-`: 1234 → "12.34".
    static func yuan(_ fen: Int64, decimals: Int = 2) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)") + String(repeating: "0", count: max(0, decimals - 2))
    }

    /// Text safe inside a bill field: no separators, backticks or line breaks.
    static func clean(_ text: String) -> String {
        String(text.map { ",`\r\n\t".contains($0) ? " " : $0 })
    }
}
