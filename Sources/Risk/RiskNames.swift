/// The kind of action a rule applies to: `withdraw`, `transfer`, `collection`, `refund`, `recharge`, or any
/// other name a rules file uses. Open on purpose: a new action needs a new rule, not new code.
///
/// Guarantees: a valid name (``isValid``) is 1...32 of `[a-z0-9_]`; the engine and the rules parser refuse
/// invalid names, so a name can sit inside a Redis key unambiguously.
public struct RiskAction: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public var isValid: Bool { RiskNames.isName(rawValue) }

    public static let withdraw: RiskAction = "withdraw"
    public static let transfer: RiskAction = "transfer"
    public static let collection: RiskAction = "collection"
    public static let refund: RiskAction = "refund"
    public static let recharge: RiskAction = "recharge"
}

/// Whose counter a rule keeps: `user`, `merchant`, `card`, or any other name; the request gives the subject
/// id for each scope it knows (`[.user: "u42", .card: "c7"]`).
///
/// Guarantees: as for ``RiskAction``, a valid name is 1...32 of `[a-z0-9_]`.
public struct RiskScope: RawRepresentable, Hashable, Sendable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.rawValue = name }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public var isValid: Bool { RiskNames.isName(rawValue) }
    public static func < (lhs: RiskScope, rhs: RiskScope) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let user: RiskScope = "user"
    public static let merchant: RiskScope = "merchant"
    public static let card: RiskScope = "card"
}

/// The character sets the risk module accepts in names and ids that end up in Redis keys and stream fields.
enum RiskNames {
    static let maxNameLength = 32
    static let maxRuleIDLength = 64
    static let maxSubjectLength = 128
    static let maxRequestIDLength = 200

    /// `[a-z0-9_]{1,32}`: actions, scopes.
    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxNameLength
            && text.utf8.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") }
    }

    /// `[A-Za-z0-9_.-]{1,64}`: rule ids and attribute names (no `:`, `=`, `,`, `|`, which the decision
    /// records use as separators).
    static func isRuleID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxRuleIDLength && text.utf8.allSatisfy(isIDByte)
    }

    /// `[A-Za-z0-9_.@-]{1,128}`: subject ids (user, merchant, card ids).
    static func isSubjectID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxSubjectLength
            && text.utf8.allSatisfy { isIDByte($0) || $0 == UInt8(ascii: "@") }
    }

    /// `[A-Za-z0-9_.:@-]{1,200}`: request ids (`withdraw:<order id>`).
    static func isRequestID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxRequestIDLength
            && text.utf8.allSatisfy { isIDByte($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "@") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }
}
