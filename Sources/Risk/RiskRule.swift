import PaystreamCore

/// One declarative risk rule, as read from the rules file.
///
/// Guarantees (checked by ``RuleSet``'s initializer and parser): `id` is 1...64 of `[A-Za-z0-9_.-]` and unique
/// in its set; `actions` is non-empty and every name is valid; limits are exact integers (a count, or fen for
/// an amount, never a floating-point value).
public struct RiskRule: Sendable, Hashable {
    /// What a rule checks.
    public enum Condition: Sendable, Hashable {
        /// A counter per subject of a scope and per window must stay within a limit.
        case counter(CounterLimit)
        /// A moment named by a request attribute (`card_bound_at`) must lie at least this long in the past.
        case minimumAge(AgeRequirement)
    }

    /// The rule's id; a refusal's machine-readable code is `risk.<id>`.
    public let id: String
    /// The actions the rule applies to (one counter shared by all of them).
    public let actions: Set<RiskAction>
    /// A human-readable reason, returned with a refusal.
    public let message: String
    public let condition: Condition

    public init(id: String, actions: Set<RiskAction>, message: String? = nil, condition: Condition) {
        self.id = id
        self.actions = actions
        self.condition = condition
        self.message = message ?? RiskRule.defaultMessage(id: id, condition: condition)
    }

    /// The code an API returns for a refusal by this rule: `risk.<id>`.
    public var code: String { "risk.\(id)" }

    static func defaultMessage(id: String, condition: Condition) -> String {
        switch condition {
        case .counter(let counter):
            let limit: String
            switch counter.limit {
            case .count(let count): limit = "at most \(count) per \(counter.scope)"
            case .amount(let amount): limit = "at most \(amount.yuanString) per \(counter.scope)"
            }
            return "\(limit) per \(counter.window)"
        case .minimumAge(let age):
            return "\(age.attribute) must be at least \(age.seconds) s old"
        }
    }
}

/// A limit on a counter kept in Redis per (rule, scope subject, window).
public struct CounterLimit: Sendable, Hashable {
    /// What the counter adds up and how far it may go.
    public enum Limit: Sendable, Hashable {
        /// The number of allowed requests in the window may not exceed this.
        case count(Int64)
        /// The sum of the allowed requests' amounts in the window may not exceed this.
        case amount(Amount)
    }

    public let scope: RiskScope
    public let window: RiskWindow
    public let limit: Limit

    public init(scope: RiskScope, window: RiskWindow, limit: Limit) {
        self.scope = scope
        self.window = window
        self.limit = limit
    }

    /// `count` or `amount`, as in the rules file and the decision records.
    public var measure: CounterReading.Measure {
        switch limit {
        case .count: return .count
        case .amount: return .amount
        }
    }

    /// The limit in the counter's unit: a number of requests, or fen.
    public var limitValue: Int64 {
        switch limit {
        case .count(let count): return count
        case .amount(let amount): return amount.fen
        }
    }

    /// What one request adds: 1 for a count, the request's fen for an amount.
    func increment(for amount: Amount) -> Int64 {
        switch limit {
        case .count: return 1
        case .amount: return amount.fen
        }
    }
}

/// The period a counter covers.
///
/// Calendar windows are computed in the rule set's time zone (Asia/Shanghai by default) by the engine, in
/// Swift, and named in the counter's key by their start, so a new day or hour starts from zero.
/// A rolling window covers the last `seconds` before the request, exactly (not in buckets).
public enum RiskWindow: Sendable, Hashable, CustomStringConvertible {
    /// The calendar day containing the request.
    case day
    /// The clock hour containing the request.
    case hour
    /// The `seconds` before the request (1...2_678_400, 31 days).
    case rolling(seconds: Int64)

    public static let maxRollingSeconds: Int64 = 31 * 86_400

    public var description: String {
        switch self {
        case .day: return "day"
        case .hour: return "hour"
        case .rolling(let seconds): return "\(seconds) s"
        }
    }
}

/// A cooling period: the request attribute `attribute` (a moment, such as `card_bound_at`) must be at least
/// `seconds` before the request.
public struct AgeRequirement: Sendable, Hashable {
    public let attribute: String
    public let seconds: Int64

    public static let maxSeconds: Int64 = 366 * 86_400

    public init(attribute: String, seconds: Int64) {
        self.attribute = attribute
        self.seconds = seconds
    }
}
