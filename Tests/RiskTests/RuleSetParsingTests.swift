import Foundation
import PaystreamCore
import Risk
import Testing

/// The rules file format: pure parsing, no Redis.
@Suite struct RuleSetParsingTests {
    @Test func theDefaultFileHoldsTheSeedsRules() throws {
        let rules = try RuleSet.parse(yaml: String(contentsOfFile: defaultRulesPath, encoding: .utf8))
        #expect(rules.timeZone.identifier == "Asia/Shanghai")
        #expect(rules.rules.map(\.id) == [
            "withdraw.daily_count", "withdraw.daily_amount", "withdraw.merchant_daily_count", "withdraw.merchant_daily_amount",
        ])
        #expect(
            rules.rules[0].condition
                == .counter(CounterLimit(scope: .user, window: .day, limit: .count(3))))
        #expect(
            rules.rules[1].condition
                == .counter(CounterLimit(scope: .user, window: .day, limit: .amount(try Amount(fen: 1_000_000)))))
        // Merchants under the same limits, in their own counters.
        #expect(rules.rules[2].condition == .counter(CounterLimit(scope: .merchant, window: .day, limit: .count(3))))
        #expect(
            rules.rules[3].condition
                == .counter(CounterLimit(scope: .merchant, window: .day, limit: .amount(try Amount(fen: 1_000_000)))))
        #expect(rules.rules(for: .withdraw).count == 4 && rules.rules(for: .recharge).isEmpty)
        #expect(rules.rules[0].code == "risk.withdraw.daily_count")
    }

    @Test func amountLimitsAreReadExactlyQuotedOrNot() throws {
        for text in ["\"10000.01\"", "10000.01", "'10000.01'"] {
            let rules = try RuleSet.parse(yaml: """
                rules:
                  - {id: a, on: withdraw, counter: amount, scope: user, window: hour, limit: \(text)}
                """)
            #expect(rules.rules[0].condition == .counter(CounterLimit(scope: .user, window: .hour, limit: .amount(try Amount(fen: 1_000_001)))))
        }
    }

    @Test func listsOfActionsRollingWindowsAndAgeRules() throws {
        let rules = try RuleSet.parse(yaml: """
            timezone: Europe/Paris
            rules:
              - id: merchant.burst
                on: [collection, refund]
                counter: count
                scope: merchant
                window: {seconds: 600}
                limit: 0
              - id: card.cooling
                on: withdraw
                requires_age: {of: card_bound_at, seconds: 86400}
            """)
        #expect(rules.timeZone.identifier == "Europe/Paris")
        #expect(rules.rules[0].actions == [.collection, .refund])
        #expect(rules.rules[0].condition == .counter(CounterLimit(scope: .merchant, window: .rolling(seconds: 600), limit: .count(0))))
        #expect(rules.rules[1].condition == .minimumAge(AgeRequirement(attribute: "card_bound_at", seconds: 86_400)))
        #expect(rules.rules[1].message == "card_bound_at must be at least 86400 s old")
    }

    @Test(arguments: [
        ("", "empty"),
        ("rules: [", "YAML"),
        ("rule: []", "unknown key"),
        ("timezone: Mars/Olympus", "time zone"),
        ("rules:\n  - {id: a, on: withdraw, counter: count, scope: user, window: day}", "needs counter"),
        ("rules:\n  - {id: a, on: withdraw, counter: count, scope: user, window: day, limit: 3, limt: 4}", "unknown key"),
        ("rules:\n  - {id: a, on: withdraw, counter: count, scope: user, window: day, limit: -1}", "whole number"),
        ("rules:\n  - {id: a, on: withdraw, counter: count, scope: user, window: day, limit: 1e3}", "whole number"),
        ("rules:\n  - {id: a, on: withdraw, counter: amount, scope: user, window: day, limit: \"12.345\"}", "yuan"),
        ("rules:\n  - {id: a, on: withdraw, counter: amount, scope: user, window: day, limit: \" 1\"}", "yuan"),
        ("rules:\n  - {id: a, on: withdraw, counter: amount, scope: user, window: week, limit: 1}", "week"),
        ("rules:\n  - {id: a, on: withdraw, counter: amount, scope: user, window: {seconds: 0}, limit: 1}", "rolling"),
        ("rules:\n  - {id: a, on: withdraw, counter: sum, scope: user, window: day, limit: 1}", "neither"),
        ("rules:\n  - {id: a, on: Withdraw, counter: count, scope: user, window: day, limit: 1}", "action"),
        ("rules:\n  - {id: 'a b', on: withdraw, counter: count, scope: user, window: day, limit: 1}", "rule id"),
        ("rules:\n  - {id: a, on: withdraw, counter: count, scope: user, window: day, limit: 1}\n  - {id: a, on: refund, counter: count, scope: user, window: day, limit: 1}", "twice"),
        ("rules:\n  - {id: a, on: withdraw, requires_age: {of: x, seconds: 1}, limit: 1}", "two rules"),
        ("rules:\n  - {id: a, on: withdraw, id: b, requires_age: {of: x, seconds: 1}}", "unique"),
    ])
    func malformedFilesAreRejectedWithTheirPlace(yaml: String, expected: String) {
        #expect {
            _ = try RuleSet.parse(yaml: yaml)
        } throws: { error in
            guard let error = error as? RiskError, error.code == .invalidRules else { return false }
            if !error.message.contains(expected) { Issue.record("\(error.message) does not mention \(expected)") }
            return true
        }
    }
}
