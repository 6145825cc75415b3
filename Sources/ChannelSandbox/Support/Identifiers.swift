import Foundation

/// Random identifiers in the shapes the channels use. Guarantees: drawn from the system's cryptographically
/// secure generator, so two calls collide only by chance (at least 2^60 possibilities for every kind).
enum SandboxID {
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9))) })
    }

    static func alphanumeric(_ count: Int) -> String {
        String((0..<count).map { _ in alphanumerics.randomElement()! })
    }

    static func hex(_ count: Int) -> String {
        String((0..<count).map { _ in Array("0123456789abcdef").randomElement()! })
    }

    /// A WeChat openid: 28 characters, `o` first (the shape official accounts' openids have).
    static func wechatOpenID() -> String { "o" + alphanumeric(27) }

    /// A WeChat Pay transaction_id: 28 digits starting 42000.
    static func wechatTransaction(_ date: Date) -> String { "42000" + ShanghaiTime.compactDay(date) + digits(15) }
    /// A WeChat Pay refund_id: 29 digits starting 50.
    static func wechatRefund(_ date: Date) -> String { "50" + digits(9) + ShanghaiTime.compactDay(date) + digits(10) }
    /// A WeChat Pay transfer_bill_no.
    static func wechatTransferBill(_ date: Date) -> String { "1330" + digits(4) + ShanghaiTime.compactDay(date) + digits(14) }
    /// An Alipay trade_no: 28 digits, date first.
    static func alipayTrade(_ date: Date) -> String { ShanghaiTime.compactDay(date) + "2200" + digits(16) }
    /// An Alipay buyer user id (2088 + 12 digits).
    static func alipayUser() -> String { "2088" + digits(12) }
    /// A Bill99 deal id.
    static func bill99Deal(_ date: Date) -> String { ShanghaiTime.compactDay(date) + digits(12) }
    /// A notify id / nonce.
    static func nonce() -> String { alphanumeric(32) }
}
