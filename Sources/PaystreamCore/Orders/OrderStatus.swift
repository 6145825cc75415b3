/// Every status any order kind can be in; which ones apply to which kind, and how they may change, is
/// ``OrderStateMachine``'s business.
///
/// Guarantees: raw values are stable names stored with every order.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case created, paid, funded, finished, expired, failed, closed
    case requested, approved, paidOut, invalid, completed, rejected, refunded
}
