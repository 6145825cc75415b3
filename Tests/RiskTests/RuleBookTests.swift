import Foundation
import Risk
import Testing

/// Reloading the rules file while the engine runs.
@Suite struct RuleBookTests {
    @Test func aRuleAddedAtRunTimeIsPickedUpWithoutRestart() async throws {
        let file = try TemporaryRulesFile(countRuleYAML)
        defer { file.remove() }
        try await withRisk { client, prefix in
            let book = try RuleBook(contentsOf: file.path)
            let risk = RiskEngine(
                redis: client, rules: book, keyPrefix: prefix, clock: TestClock(utc: "2024-05-01T02:00:00Z").function)
            let poller = Task { await book.run(pollInterval: .milliseconds(50)) }
            defer { poller.cancel() }
            #expect(
                try await risk.check(action: .withdraw, subjects: [.user: "u1"], amount: try yuan("20000.00"), requestID: "r1")
                    .isAllowed)
            try file.write(countAndAmountRulesYAML)
            let deadline = Date().addingTimeInterval(10)
            while book.current.rules.count < 2 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(book.current.rules.map(\.id) == ["withdraw.daily_count", "withdraw.daily_amount"])
            let refused = try await risk.check(
                action: .withdraw, subjects: [.user: "u2"], amount: try yuan("20000.00"), requestID: "r2")
            #expect(refused.code == "risk.withdraw.daily_amount")
        }
    }

    @Test func aBrokenFileKeepsThePreviousRules() throws {
        let file = try TemporaryRulesFile(countAndAmountRulesYAML)
        defer { file.remove() }
        let book = try RuleBook(contentsOf: file.path)
        let before = book.current
        #expect(book.reloadIfChanged() == .unchanged)

        try file.write("rules:\n  - id: broken\n    on: withdraw\n    counter: count\n  limit: [")
        guard case .failed = book.reloadIfChanged() else { Issue.record("not valid YAML was accepted"); return }
        #expect(book.current == before)

        try file.write(countRuleYAML.replacingOccurrences(of: "limit: 3", with: "limit: 3.5"))
        guard case .failed(let message) = book.reloadIfChanged() else { Issue.record("3.5 requests accepted"); return }
        #expect(message.contains("withdraw.daily_count"))
        #expect(book.current == before)
        // The same broken version is reported once, not on every poll.
        #expect(book.reloadIfChanged() == .unchanged)

        file.remove()
        guard case .failed = book.reloadIfChanged() else { Issue.record("a missing file was accepted"); return }
        #expect(book.current == before)

        try file.write(countRuleYAML)
        #expect(book.reloadIfChanged() == .reloaded(ruleCount: 1))
        #expect(book.current.rules.map(\.id) == ["withdraw.daily_count"])
    }

    @Test func twoQuickWritesOfTheSameSizeAreBothNoticed() throws {
        let file = try TemporaryRulesFile(countRuleYAML)
        defer { file.remove() }
        let book = try RuleBook(contentsOf: file.path)
        try file.overwriteInPlace(countRuleYAML.replacingOccurrences(of: "limit: 3", with: "limit: 4"))
        #expect(book.reloadIfChanged() == .reloaded(ruleCount: 1))
        try file.overwriteInPlace(countRuleYAML.replacingOccurrences(of: "limit: 3", with: "limit: 5"))
        #expect(book.reloadIfChanged() == .reloaded(ruleCount: 1))
        guard case .counter(let counter) = book.current.rules.first?.condition else {
            Issue.record("no counter rule"); return
        }
        #expect(counter.limit == .count(5))
    }

    @Test func aServiceDoesNotStartWithABrokenFile() throws {
        let file = try TemporaryRulesFile("rules: 3")
        defer { file.remove() }
        #expect { _ = try RuleBook(contentsOf: file.path) } throws: { ($0 as? RiskError)?.code == .invalidRules }
    }
}
