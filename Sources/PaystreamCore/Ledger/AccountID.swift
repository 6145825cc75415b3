/// The identity of a ledger account, written `kind:name`: `user:42`, `merchant:m-1`, `platform:main`,
/// `clearing:wechat`.
///
/// Guarantees:
/// - `name` is 1...64 characters of `[A-Za-z0-9_.-]`, so the string form is unambiguous and round-trips;
///   a clearing account's name is a ``Channel`` raw value (one clearing account per channel).
/// - JSON form is the string form; decoding validates it like ``init(parsing:)``.
/// - Ordering is by string form, a total order usable for deadlock-free lock ordering.
///
/// Negative balances (money.md rules 2, 3 and 6): wallet (`user`), `merchant` and `platform` buckets never go
/// below zero. A `clearing` account mirrors the outside world: a recharge debits it and a payout credits it,
/// so its balance is the negative of what the channel holds for us and is normally below zero. Only clearing
/// accounts may go negative (``mayGoNegative``); the money-holding accounts carry the CHECK constraint.
public struct AccountID: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// What an account represents.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A person's wallet.
        case user
        /// A merchant collecting payments.
        case merchant
        /// The platform's own money (fees, for example); `platform:main` by default.
        case platform
        /// The mirror of one payment channel (money outside the platform).
        case clearing
    }

    public let kind: Kind
    public let name: String

    /// Longest accepted name.
    public static let maxNameLength = 64

    /// An account of `kind` named `name`; throws `account.invalid` for a name outside
    /// `[A-Za-z0-9_.-]{1,64}`, or a clearing account not named after a ``Channel``.
    public init(kind: Kind, name: String) throws(LedgerRuleError) {
        guard Self.isValidName(name) else {
            throw LedgerRuleError(
                code: "account.invalid", message: "account name \"\(name)\" is not 1...64 of [A-Za-z0-9_.-]")
        }
        if kind == .clearing && Channel(rawValue: name) == nil {
            throw LedgerRuleError(code: "account.invalid", message: "clearing account \"\(name)\" is not a channel")
        }
        self.kind = kind
        self.name = name
    }

    /// Parses `kind:name`; throws `account.invalid` for anything else.
    public init(parsing text: String) throws(LedgerRuleError) {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])) else {
            throw LedgerRuleError(code: "account.invalid", message: "\"\(text)\" is not kind:name")
        }
        try self.init(kind: kind, name: String(text[text.index(after: colon)...]))
    }

    /// Parses `kind:name`; nil when invalid.
    public init?(_ description: String) {
        do throws(LedgerRuleError) {
            try self.init(parsing: description)
        } catch {
            return nil
        }
    }

    public static func isValidName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard !utf8.isEmpty, utf8.count <= maxNameLength else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    /// A user's wallet, `user:<id>`.
    public static func user(_ id: String) throws(LedgerRuleError) -> AccountID {
        try AccountID(kind: .user, name: id)
    }

    /// A merchant's account, `merchant:<id>`.
    public static func merchant(_ id: String) throws(LedgerRuleError) -> AccountID {
        try AccountID(kind: .merchant, name: id)
    }

    /// The platform's main account, `platform:main`.
    public static let platform = AccountID(uncheckedKind: .platform, name: "main")

    /// The clearing account of `channel`, `clearing:<channel>`.
    public static func clearing(_ channel: Channel) -> AccountID {
        AccountID(uncheckedKind: .clearing, name: channel.rawValue)
    }

    private init(uncheckedKind kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    /// True only for clearing accounts, whose balance is the negative of the money the channel holds for us.
    public var mayGoNegative: Bool { kind == .clearing }

    /// The channel a clearing account mirrors; nil for every other kind.
    public var clearingChannel: Channel? { kind == .clearing ? Channel(rawValue: name) : nil }

    public var description: String { "\(kind.rawValue):\(name)" }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool {
        lhs.description.utf8.lexicographicallyPrecedes(rhs.description.utf8)
    }
}

extension AccountID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(LedgerRuleError) {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
