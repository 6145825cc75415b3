import Foundation
import PaystreamCore

/// The answer of ``RiskEngine/check(action:subjects:amount:attributes:requestID:)`` for one request, as stored
/// in the `risk:decisions` stream.
///
/// Guarantees:
/// - `outcome == .refused` exactly when `ruleID` is set; `code` is then `risk.<rule id>`, the machine-readable
///   code an API returns with its 4xx.
/// - An allowed decision has already counted the request against every applicable counter rule (a
///   reservation that ``RiskEngine/release(_:)`` can undo); a refused one changed no counter.
/// - `counters` lists what each applicable counter rule saw *before* this request, in file order.
/// - `isReplay` is true when the request id had already been decided: the stored decision is returned and
///   nothing is counted again.
public struct RiskDecision: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        case allowed
        case refused
    }

    public let requestID: String
    public let action: RiskAction
    public let subjects: [RiskScope: String]
    public let amount: Amount
    public let outcome: Outcome
    /// The rule that refused the request; nil when allowed.
    public let ruleID: String?
    /// The refusing rule's message; nil when allowed.
    public let message: String?
    public let counters: [CounterReading]
    /// Rules for this action that did not apply because the request lacked their subject or attribute.
    public let skippedRuleIDs: [String]
    public let decidedAt: Date
    /// The id of the decision's entry in the `risk:decisions` stream.
    public let streamEntryID: String
    public let isReplay: Bool

    public var isAllowed: Bool { outcome == .allowed }

    /// `risk.<rule id>` for a refusal; nil when allowed.
    public var code: String? { ruleID.map { "risk.\($0)" } }
}

/// What one counter rule saw when a decision was made.
public struct CounterReading: Sendable, Hashable {
    /// The counter's unit.
    public enum Measure: String, Sendable, Hashable {
        /// A number of requests.
        case count
        /// A sum of amounts, in fen.
        case amount
    }

    public let ruleID: String
    public let measure: Measure
    /// The counter before this request (requests, or fen).
    public let valueBefore: Int64
    /// The rule's limit at decision time (requests, or fen).
    public let limit: Int64

    public init(ruleID: String, measure: Measure, valueBefore: Int64, limit: Int64) {
        self.ruleID = ruleID
        self.measure = measure
        self.valueBefore = valueBefore
        self.limit = limit
    }

    /// `rule=measure:value/limit`, the form stored in Redis.
    var encoded: String { "\(ruleID)=\(measure.rawValue):\(valueBefore)/\(limit)" }

    /// Parses a comma-separated list of ``encoded`` readings; nil if any is malformed.
    static func decodeList(_ text: String) -> [CounterReading]? {
        guard !text.isEmpty else { return [] }
        var readings: [CounterReading] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let sides = item.split(separator: "=", maxSplits: 1)
            guard sides.count == 2 else { return nil }
            let parts = sides[1].split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let measure = Measure(rawValue: String(parts[0])) else { return nil }
            let numbers = parts[1].split(separator: "/")
            guard numbers.count == 2, let value = Int64(numbers[0]), let limit = Int64(numbers[1]) else {
                return nil
            }
            readings.append(
                CounterReading(ruleID: String(sides[0]), measure: measure, valueBefore: value, limit: limit))
        }
        return readings
    }
}

/// What ``RiskEngine/release(_:)`` did.
public enum ReleaseOutcome: String, Sendable, Hashable {
    /// The decision's counts were taken back (and the release recorded in the stream).
    case released
    /// The decision was a refusal: it had counted nothing.
    case nothingReserved
    /// No reservation is known for the request id: already released, or expired with its window.
    case unknown
}
