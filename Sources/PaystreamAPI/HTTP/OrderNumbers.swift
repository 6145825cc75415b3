import EventBus
import Foundation
import Cryptography

/// Order numbers the platform hands to channels: `<prefix><yyyyMMddHHmmss><random>`, upper-case letters and
/// digits only, 26 characters, which every channel accepts as out_trade_no / out_refund_no / out_bill_no and
/// the ledger accepts as an order id. Time first, so numbers sort roughly by creation.
enum OrderNumbers {
    enum Kind: String {
        case recharge = "RC"
        case collection = "CO"
        case withdrawal = "WD"
        case refund = "RF"
        case collectCode = "QR"
        case envelope = "EN"
        case grab = "GB"
        /// Not an order: a group's id, made the same way.
        case group = "GR"
    }

    /// `KK` + time stamp (Asia/Shanghai, to the second) + 10 random characters; a gray order's number has the
    /// gray gene `1` (never in the random alphabet) right after the time stamp, then 9 random characters
    /// (``TrafficRoute``).
    static func make(_ kind: Kind, now: Date = Date(), route: TrafficRoute = .main) -> String {
        switch route {
        case .main: kind.rawValue + stamp(now) + random(10)
        case .gray: kind.rawValue + stamp(now) + String(TrafficRoute.grayGene) + random(9)
        }
    }

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02d%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    private static let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// `count` characters from a 32-letter alphabet, from the system's secure random source.
    static func random(_ count: Int) -> String {
        let bytes = SecureRandom.bytes(count: count)
        return String(bytes.map { alphabet[Int($0 & 31)] })
    }

    /// True for a text the ledger could hold as an order id (1...64 of `[A-Za-z0-9_.-]`): a path parameter that
    /// is not can name no order, so it is answered 404 before anything else is asked.
    static func isWellFormed(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
    }
}
