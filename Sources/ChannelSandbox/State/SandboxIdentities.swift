import Foundation

/// A bank card as the simulated bank behind Bill99's card verification knows it: the four elements (card number,
/// the holder's real name, ID number, the phone the bank has on file) and the issuing bank's name.
public struct SandboxBankCard: Codable, Sendable, Equatable {
    public var cardNo: String
    public var realName: String
    public var idCardNo: String
    public var phoneNo: String
    public var bankName: String

    public init(cardNo: String, realName: String, idCardNo: String, phoneNo: String, bankName: String) {
        self.cardNo = cardNo
        self.realName = realName
        self.idCardNo = idCardNo
        self.phoneNo = phoneNo
        self.bankName = bankName
    }
}

/// A text message the simulated SMS gateway "delivered" (it delivers nothing: it records).
public struct SandboxSMS: Codable, Sendable, Equatable {
    public var messageId: String
    public var phone: String
    public var text: String
    public var sentAt: Date
}

/// What the sandbox knows about people rather than payments: the simulated bank's cards (for Bill99's four-element
/// verification), the messages the simulated SMS gateway was asked to send, and the WeChat OAuth codes users
/// authorized.
///
/// Guarantees: in memory only; bounded (cards by `maxCards`, messages by `maxMessages`, oldest dropped first);
/// `reset()` forgets registered cards, messages and codes but keeps the built-in test cards.
actor SandboxIdentities {
    /// Test cards every sandbox knows, so the demo and quick trials can bind a card without registering one.
    /// The ID numbers carry valid GB 11643 check characters; none is a real person's.
    static let builtInCards = [
        SandboxBankCard(cardNo: "6222020200112233445", realName: "张三", idCardNo: "110101199003071233", phoneNo: "13800000000", bankName: "ICBC"),
        SandboxBankCard(cardNo: "6228480012345678901", realName: "李四", idCardNo: "310115198506123454", phoneNo: "13900000001", bankName: "ABC"),
    ]

    let maxCards: Int
    let maxMessages: Int
    private var cards: [String: SandboxBankCard] = [:]
    private var messages: [SandboxSMS] = []
    /// WeChat OAuth codes users authorized, by code, oldest first in `codeSequence`.
    private var codes: [String: OAuthCode] = [:]
    private var codeSequence: [String] = []
    /// SIMULATED: the real name WeChat holds for an openid, when a test gave one (at most `maxMessages`).
    private var realNames: [String: String] = [:]

    /// A code WeChat gave a user's browser after they authorized the official account (snsapi_base).
    struct OAuthCode: Sendable {
        let openid: String
        let issuedAt: Date
        var redeemed: Bool
    }

    /// What exchanging a code gives: the openid, or WeChat's error code.
    enum Redemption: Equatable, Sendable {
        case openid(String)
        /// 40029 invalid code (unknown or older than ``oauthCodeLifetime``), 40163 code been used.
        case refused(errcode: Int, errmsg: String)
    }

    /// WeChat's OAuth codes live 5 minutes and are redeemed once.
    static let oauthCodeLifetime: TimeInterval = 300

    init(maxCards: Int = 10_000, maxMessages: Int = 10_000) {
        self.maxCards = maxCards
        self.maxMessages = maxMessages
        for card in Self.builtInCards { cards[card.cardNo] = card }
    }

    func reset() {
        cards = [:]
        for card in Self.builtInCards { cards[card.cardNo] = card }
        messages = []
        codes = [:]
        codeSequence = []
        realNames = [:]
    }

    /// Records the real name WeChat holds for `openid` (its user's real-name verification).
    func recordRealName(_ name: String, of openid: String) {
        if realNames[openid] == nil && realNames.count >= maxMessages { realNames.removeAll() }
        realNames[openid] = name
    }

    /// The real name WeChat holds for `openid`; nil when none was recorded (then any name passes, as before).
    func realName(of openid: String) -> String? { realNames[openid] }

    /// The WeChat user `openid` authorizes the official account: a new code for them (at most `maxMessages`
    /// codes are kept, the oldest forgotten first).
    func authorize(openid: String, now: Date) -> String {
        let code = SandboxID.alphanumeric(32)
        codes[code] = OAuthCode(openid: openid, issuedAt: now, redeemed: false)
        codeSequence.append(code)
        if codeSequence.count > maxMessages {
            for old in codeSequence.prefix(codeSequence.count - maxMessages) { codes[old] = nil }
            codeSequence.removeFirst(codeSequence.count - maxMessages)
        }
        return code
    }

    /// Redeems `code` once, within its lifetime.
    func redeem(_ code: String, now: Date) -> Redemption {
        guard var entry = codes[code], now.timeIntervalSince(entry.issuedAt) <= Self.oauthCodeLifetime else {
            return .refused(errcode: 40029, errmsg: "invalid code")
        }
        guard !entry.redeemed else { return .refused(errcode: 40163, errmsg: "code been used") }
        entry.redeemed = true
        codes[code] = entry
        return .openid(entry.openid)
    }

    /// Registers (or replaces) a card at the simulated bank.
    func register(_ card: SandboxBankCard) throws(SandboxFailure) {
        guard cards[card.cardNo] != nil || cards.count < maxCards else {
            throw .limitReached("the sandbox holds \(maxCards) cards; reset it")
        }
        cards[card.cardNo] = card
    }

    func card(_ number: String) -> SandboxBankCard? { cards[number] }

    func record(phone: String, text: String, now: Date) -> SandboxSMS {
        let message = SandboxSMS(messageId: "SMS" + SandboxID.digits(18), phone: phone, text: text, sentAt: now)
        messages.append(message)
        if messages.count > maxMessages { messages.removeFirst(messages.count - maxMessages) }
        return message
    }

    func sent(to phone: String?) -> [SandboxSMS] { messages.filter { phone == nil || $0.phone == phone } }
}
