/// One of the two balances every account holds (money.md rule 2).
///
/// Guarantees: `available` is money its owner may spend; `frozen` is money set aside for a pending step
/// (a withdrawal under review, a funded red envelope) that only that step can move.
public enum Bucket: String, Sendable, Codable, CaseIterable {
    case available
    case frozen
}
