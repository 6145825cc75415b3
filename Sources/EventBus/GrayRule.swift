/// Who is gray (canary) traffic, the seed's gray-provider: listed users, listed merchants, and a share of
/// everyone else chosen by a stable hash of their id, so the same person stays on the same side as the share
/// grows (1% of users are inside 5%). Versioned and stored by `paystream gray` (GrayRuleStore); the API reads the
/// current version at run time and decides each new order's ``TrafficRoute`` with it.
public struct GrayRule: Sendable, Equatable {
    /// User ids (the `name` of `user:<name>`) always gray.
    public var users: Set<String>
    /// Merchant ids (the `name` of `merchant:<name>`) always gray.
    public var merchants: Set<String>
    /// Share of all other subjects that is gray, in basis points (0 to 10,000 = 0% to 100%).
    public var basisPoints: Int
    /// The stored version this rule came from (0: never stored, everything main).
    public var version: Int64

    public static let off = GrayRule(users: [], merchants: [], basisPoints: 0, version: 0)

    public init(users: Set<String>, merchants: Set<String>, basisPoints: Int, version: Int64) {
        self.users = users
        self.merchants = merchants
        self.basisPoints = min(max(basisPoints, 0), 10_000)
        self.version = version
    }

    public var isOff: Bool { users.isEmpty && merchants.isEmpty && basisPoints == 0 }

    /// The route of a new order whose money belongs to `user` or `merchant` (names, without the kind).
    public func route(user: String? = nil, merchant: String? = nil) -> TrafficRoute {
        if isOff { return .main }
        if let user, users.contains(user) { return .gray }
        if let merchant, merchants.contains(merchant) { return .gray }
        guard basisPoints > 0 else { return .main }
        let subject = user.map { "user:\($0)" } ?? merchant.map { "merchant:\($0)" }
        guard let subject else { return .main }
        return Self.bucket(of: subject) < basisPoints ? .gray : .main
    }

    /// 0..<10,000 from FNV-1a (64-bit) of the subject's text: stable across processes, versions and languages.
    public static func bucket(of subject: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in subject.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return Int(hash % 10_000)
    }
}
