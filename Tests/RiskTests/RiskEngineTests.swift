import Foundation
import PaystreamCore
import Redis
import Risk
import Testing

/// The risk engine against the real Redis server, with the committed default rules unless stated.
@Suite struct RiskEngineTests {
    // 10:00 in Shanghai on 2024-05-01.
    static let morning = "2024-05-01T02:00:00Z"

    @Test func fourthWithdrawalOfADayIsRefused() async throws {
        try await withRisk { client, prefix in
            let clock = TestClock(utc: Self.morning)
            let risk = try defaultEngine(client, prefix, clock: clock)
            for index in 1...3 {
                let decision = try await risk.check(
                    action: .withdraw, subjects: [.user: "u1"], amount: try yuan("1.00"), requestID: "w:\(index)")
                #expect(decision.isAllowed && decision.ruleID == nil && decision.code == nil)
                #expect(decision.counters.first { $0.ruleID == "withdraw.daily_count" }?.valueBefore == Int64(index - 1))
                clock.advance(seconds: 60)
            }
            let fourth = try await risk.check(
                action: .withdraw, subjects: [.user: "u1"], amount: try yuan("1.00"), requestID: "w:4")
            #expect(fourth.outcome == .refused)
            #expect(fourth.ruleID == "withdraw.daily_count")
            #expect(fourth.code == "risk.withdraw.daily_count")
            #expect(fourth.message == "at most 3 withdrawals a day")
            #expect(
                fourth.counters == [
                    CounterReading(ruleID: "withdraw.daily_count", measure: .count, valueBefore: 3, limit: 3),
                    CounterReading(ruleID: "withdraw.daily_amount", measure: .amount, valueBefore: 300, limit: 1_000_000),
                ])
            // Another user has counters of their own.
            #expect(
                try await risk.check(
                    action: .withdraw, subjects: [.user: "u2"], amount: try yuan("1.00"), requestID: "w:5"
                ).isAllowed)
            // Every decision is in the stream, the refusal with its rule.
            let stream = prefix + "risk:decisions"
            #expect(try await client.send(["XLEN", stream]) == .integer(5))
            let range = try await client.send(["XRANGE", stream, fourth.streamEntryID, fourth.streamEntryID])
            let fields = range.elements?.first?.elements?[1].elements?.compactMap(\.string) ?? []
            #expect(fields.count % 2 == 0 && !fields.isEmpty)
            let record = Dictionary(uniqueKeysWithValues: stride(from: 0, to: fields.count, by: 2).map { (fields[$0], fields[$0 + 1]) })
            #expect(record["outcome"] == "refused")
            #expect(record["rule"] == "withdraw.daily_count")
            #expect(record["request_id"] == "w:4")
            #expect(record["amount_fen"] == "100")
            #expect(record["subjects"] == "user=u1")
        }
    }

    @Test func dailyAmountLimitIsExactToTheFen() async throws {
        try await withRisk { client, prefix in
            let clock = TestClock(utc: Self.morning)
            let risk = try defaultEngine(client, prefix, clock: clock)
            func withdraw(_ user: String, _ amount: String, _ id: String) async throws -> RiskDecision {
                try await risk.check(action: .withdraw, subjects: [.user: user], amount: try yuan(amount), requestID: id)
            }
            // 6,000.00 + 4,000.00 = 10,000.00 passes; one more fen is refused.
            #expect(try await withdraw("a", "6000.00", "a1").isAllowed)
            #expect(try await withdraw("a", "4000.00", "a2").isAllowed)
            let extraFen = try await withdraw("a", "0.01", "a3")
            #expect(extraFen.ruleID == "withdraw.daily_amount")
            #expect(extraFen.code == "risk.withdraw.daily_amount")
            #expect(
                extraFen.counters.last
                    == CounterReading(ruleID: "withdraw.daily_amount", measure: .amount, valueBefore: 1_000_000, limit: 1_000_000))
            // The refusal counted nothing: the count is still 2, and 0.00 still fits the amount exactly.
            let zero = try await withdraw("a", "0.00", "a4")
            #expect(zero.isAllowed)
            #expect(zero.counters.first?.valueBefore == 2)
            // 10,000.01 at once is refused; 10,000.00 at once passes.
            let tooMuch = try await withdraw("b", "10000.01", "b1")
            #expect(tooMuch.ruleID == "withdraw.daily_amount")
            #expect(tooMuch.counters.last?.valueBefore == 0)
            #expect(try await withdraw("b", "10000.00", "b2").isAllowed)
        }
    }

    @Test func twentyConcurrentRequestsCannotPassTheCountLimit() async throws {
        try await withRisk { client, prefix in
            let risk = try defaultEngine(client, prefix, clock: TestClock(utc: Self.morning))
            let decisions = try await withThrowingTaskGroup(of: RiskDecision.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await risk.check(
                            action: .withdraw, subjects: [.user: "racer"], amount: try yuan("10.00"),
                            requestID: "race:\(index)")
                    }
                }
                return try await group.reduce(into: [RiskDecision]()) { $0.append($1) }
            }
            #expect(decisions.filter(\.isAllowed).count == 3)
            #expect(decisions.filter { !$0.isAllowed }.allSatisfy { $0.ruleID == "withdraw.daily_count" })
            // The allowed ones saw 0, 1 and 2 before them: each was counted exactly once.
            #expect(Set(decisions.filter(\.isAllowed).compactMap { $0.counters.first?.valueBefore }) == [0, 1, 2])
        }
    }

    @Test func twentyConcurrentRequestsCannotPassTheAmountLimit() async throws {
        try await withRisk { client, prefix in
            let yaml = countAndAmountRulesYAML.replacingOccurrences(of: "limit: 3", with: "limit: 100")
            let risk = try engine(client, prefix, yaml: yaml, clock: TestClock(utc: Self.morning))
            let decisions = try await withThrowingTaskGroup(of: RiskDecision.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await risk.check(
                            action: .withdraw, subjects: [.user: "racer"], amount: try yuan("600.00"),
                            requestID: "race:\(index)")
                    }
                }
                return try await group.reduce(into: [RiskDecision]()) { $0.append($1) }
            }
            // 16 × 600.00 = 9,600.00 fits; a 17th would make 10,200.00.
            #expect(decisions.filter(\.isAllowed).count == 16)
            #expect(decisions.filter { !$0.isAllowed }.allSatisfy { $0.ruleID == "withdraw.daily_amount" })
        }
    }

    @Test func aNewDayInShanghaiStartsFromZero() async throws {
        try await withRisk { client, prefix in
            // 23:59:00 in Shanghai is 15:59:00 UTC; midnight in Shanghai is 16:00:00 UTC.
            let clock = TestClock(utc: "2024-05-01T15:59:00Z")
            let risk = try defaultEngine(client, prefix, clock: clock)
            for index in 1...3 {
                #expect(
                    try await risk.check(
                        action: .withdraw, subjects: [.user: "u"], amount: try yuan("1.00"), requestID: "d1:\(index)"
                    ).isAllowed)
            }
            clock.set(utcDate("2024-05-01T15:59:59Z"))
            #expect(
                try await risk.check(action: .withdraw, subjects: [.user: "u"], amount: try yuan("1.00"), requestID: "d1:4")
                    .ruleID == "withdraw.daily_count")
            clock.set(utcDate("2024-05-01T16:00:00Z"))
            let nextDay = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("1.00"), requestID: "d2:1")
            #expect(nextDay.isAllowed)
            #expect(nextDay.counters.first?.valueBefore == 0)
            // The old day's counter expires an hour after that day ended: its last increment, at 23:59:00,
            // set 60 s + 3600 s to live.
            let key = prefix + "risk:counter:withdraw.daily_count:user:u:d20240501"
            #expect(try await client.send(["GET", key]) == .bulk("3"))
            let ttl = try await client.send(["TTL", key]).int64 ?? -1
            #expect((3_600...3_660).contains(ttl))
        }
    }

    @Test func aRetryWithTheSameRequestIDIsNotCountedTwice() async throws {
        try await withRisk { client, prefix in
            let risk = try defaultEngine(client, prefix, clock: TestClock(utc: Self.morning))
            let first = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("5.00"), requestID: "withdraw:o1")
            let retry = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("5.00"), requestID: "withdraw:o1")
            #expect(!first.isReplay && retry.isReplay)
            #expect(retry.isAllowed && retry.streamEntryID == first.streamEntryID && retry.counters == first.counters)
            #expect(retry.decidedAt == first.decidedAt)
            let next = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("5.00"), requestID: "withdraw:o2")
            #expect(next.counters.map(\.valueBefore) == [1, 500])
            // The same id for a different request is a caller's bug.
            await #expect {
                _ = try await risk.check(
                    action: .withdraw, subjects: [.user: "u"], amount: try yuan("6.00"), requestID: "withdraw:o1")
            } throws: { ($0 as? RiskError)?.code == .requestIDReused }
        }
    }

    @Test func releaseGivesTheCountsBackOnce() async throws {
        try await withRisk { client, prefix in
            let risk = try defaultEngine(client, prefix, clock: TestClock(utc: Self.morning))
            func withdraw(_ id: String, _ amount: String = "100.00") async throws -> RiskDecision {
                try await risk.check(action: .withdraw, subjects: [.user: "u"], amount: try yuan(amount), requestID: id)
            }
            let reserved = try await withdraw("o1")
            #expect(try await withdraw("o2").isAllowed)
            #expect(try await withdraw("o3").isAllowed)
            #expect(try await withdraw("o4").ruleID == "withdraw.daily_count")
            #expect(try await risk.release(reserved) == .released)
            #expect(try await risk.release(reserved) == .unknown)
            let afterRelease = try await withdraw("o5")
            #expect(afterRelease.isAllowed)
            #expect(afterRelease.counters.map(\.valueBefore) == [2, 20_000])
            // A refusal reserved nothing; a released id is decided afresh when retried.
            let refused = try await withdraw("o6")
            #expect(try await risk.release(refused) == .nothingReserved)
            #expect(try await withdraw("o1").ruleID == "withdraw.daily_count")
        }
    }

    @Test func coolingPeriodAfterBindingACard() async throws {
        let yaml = countRuleYAML + """

              - id: withdraw.card_cooling
                on: withdraw
                requires_age: {of: card_bound_at, seconds: 86400}
                message: a new card can be used 24 hours after binding
            """
        try await withRisk { client, prefix in
            let clock = TestClock(utc: Self.morning)
            let risk = try engine(client, prefix, yaml: yaml, clock: clock)
            let young = try await risk.check(
                action: .withdraw, subjects: [.user: "u", .card: "c1"], amount: try yuan("1.00"),
                attributes: ["card_bound_at": clock.now.addingTimeInterval(-3_600)], requestID: "r1")
            #expect(young.code == "risk.withdraw.card_cooling")
            #expect(young.message == "a new card can be used 24 hours after binding")
            #expect(young.counters.first?.valueBefore == 0)
            let old = try await risk.check(
                action: .withdraw, subjects: [.user: "u", .card: "c1"], amount: try yuan("1.00"),
                attributes: ["card_bound_at": clock.now.addingTimeInterval(-86_400)], requestID: "r2")
            #expect(old.isAllowed)
            // The refusal counted nothing.
            #expect(old.counters.first?.valueBefore == 0)
            // Without the attribute (a withdrawal to a WeChat balance) the rule does not apply.
            let noCard = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("1.00"), requestID: "r3")
            #expect(noCard.isAllowed && noCard.skippedRuleIDs == ["withdraw.card_cooling"])
        }
    }

    @Test func perMerchantRulesAndRollingWindowsNeedNoCode() async throws {
        let yaml = """
            rules:
              - id: collection.merchant_burst
                on: [collection, refund]
                counter: count
                scope: merchant
                window: {seconds: 600}
                limit: 2
            """
        try await withRisk { client, prefix in
            let clock = TestClock(utc: Self.morning)
            let risk = try engine(client, prefix, yaml: yaml, clock: clock)
            var counter = 0
            func collect(_ action: RiskAction = .collection) async throws -> RiskDecision {
                counter += 1
                return try await risk.check(
                    action: action, subjects: [.merchant: "m1", .user: "payer"], amount: try yuan("9.99"),
                    requestID: "c\(counter)")
            }
            #expect(try await collect().isAllowed)  // t = 0
            clock.advance(seconds: 100)
            #expect(try await collect(.refund).isAllowed)  // t = 100, shares the counter
            clock.advance(seconds: 100)
            #expect(try await collect().code == "risk.collection.merchant_burst")  // t = 200
            clock.advance(seconds: 401)
            #expect(try await collect().isAllowed)  // t = 601: the first has left the window
            clock.advance(seconds: 49)
            #expect(try await collect().code == "risk.collection.merchant_burst")  // t = 650: t=100 still counts
            // Withdrawals are not covered by this rule at all.
            let withdrawal = try await risk.check(
                action: .withdraw, subjects: [.user: "u"], amount: try yuan("1.00"), requestID: "w1")
            #expect(withdrawal.isAllowed && withdrawal.counters.isEmpty)
        }
    }

    @Test func requestsThatCannotBeKeyedSafelyAreRejected() async throws {
        try await withRisk { client, prefix in
            let risk = try defaultEngine(client, prefix, clock: TestClock(utc: Self.morning))
            for (subject, requestID) in [("u 1", "r1"), ("u*", "r2"), ("u1", ""), ("u1", "r|1"), ("", "r3")] {
                await #expect {
                    _ = try await risk.check(
                        action: .withdraw, subjects: [.user: subject], amount: try yuan("1.00"), requestID: requestID)
                } throws: { ($0 as? RiskError)?.code == .invalidRequest }
            }
            #expect(try await client.send(["EXISTS", prefix + "risk:decisions"]) == .integer(0))
        }
    }
}
