import Foundation

/// A validated, immutable set of risk rules and the time zone their calendar windows use.
///
/// Guarantees: every rule was checked when the set was built (unique valid ids, valid action, scope and
/// attribute names, windows and limits in range); rules keep the order of the file, which is the order in
/// which a refusing counter rule is chosen; a value never changes once built (``RuleBook`` swaps whole sets).
public struct RuleSet: Sendable, Hashable {
    /// Used when a rules file names no time zone.
    public static let defaultTimeZoneIdentifier = "Asia/Shanghai"
    /// The most rules a set may hold (each counter rule is one or two Redis keys per decision).
    public static let maxRules = 200

    public let timeZone: TimeZone
    public let rules: [RiskRule]

    /// - Throws: `RiskError.invalidRules` naming the first rule that breaks a guarantee.
    public init(timeZone: TimeZone, rules: [RiskRule]) throws {
        guard rules.count <= RuleSet.maxRules else {
            throw RiskError(code: .invalidRules, message: "\(rules.count) rules, at most \(RuleSet.maxRules)")
        }
        var seen = Set<String>()
        for rule in rules {
            try RuleSet.check(rule)
            guard seen.insert(rule.id).inserted else {
                throw RiskError(code: .invalidRules, message: "rule id \(rule.id) appears twice")
            }
        }
        self.timeZone = timeZone
        self.rules = rules
    }

    /// No rules at all: every request is allowed.
    public static let empty = try! RuleSet(timeZone: TimeZone(identifier: defaultTimeZoneIdentifier)!, rules: [])

    /// The rules that apply to `action`, in file order.
    public func rules(for action: RiskAction) -> [RiskRule] {
        rules.filter { $0.actions.contains(action) }
    }

    /// The rule named `id`, if the set has one.
    public func rule(id: String) -> RiskRule? {
        rules.first { $0.id == id }
    }

    private static func check(_ rule: RiskRule) throws {
        func fail(_ message: String) -> RiskError {
            RiskError(code: .invalidRules, message: "rule \(rule.id): \(message)")
        }
        guard RiskNames.isRuleID(rule.id) else {
            throw RiskError(code: .invalidRules, message: "rule id \"\(rule.id)\" is not 1...64 of [A-Za-z0-9_.-]")
        }
        guard !rule.actions.isEmpty else { throw fail("applies to no action") }
        for action in rule.actions where !action.isValid {
            throw fail("action \"\(action)\" is not 1...32 of [a-z0-9_]")
        }
        switch rule.condition {
        case .counter(let counter):
            guard counter.scope.isValid else { throw fail("scope \"\(counter.scope)\" is not 1...32 of [a-z0-9_]") }
            if case .rolling(let seconds) = counter.window, !(1...RiskWindow.maxRollingSeconds).contains(seconds) {
                throw fail("rolling window of \(seconds) s is outside 1...\(RiskWindow.maxRollingSeconds)")
            }
            guard counter.limitValue >= 0 else { throw fail("limit is negative") }
        case .minimumAge(let age):
            guard RiskNames.isRuleID(age.attribute) else {
                throw fail("attribute \"\(age.attribute)\" is not 1...64 of [A-Za-z0-9_.-]")
            }
            guard (1...AgeRequirement.maxSeconds).contains(age.seconds) else {
                throw fail("age of \(age.seconds) s is outside 1...\(AgeRequirement.maxSeconds)")
            }
        }
    }
}
