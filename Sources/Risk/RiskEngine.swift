import Foundation
import Logging
import PaystreamCore
import Redis

/// Decides whether an action may go ahead under the current risk rules, with counters in Redis.
///
/// Guarantees:
/// - **Atomic.** Each decision is one Lua script (EVALSHA): it reads every applicable counter and, only if
///   all stay within their limits, increments all of them (count +1, amount +fen), sets their expiry, records
///   the decision in the `risk:decisions` stream and the request record, in one step no other decision can
///   interleave with. N concurrent requests against a limit of k: exactly min(N, k) are allowed.
/// - **Exact.** Counts and fen are 64-bit integers end to end; no floating-point value touches them.
/// - **Idempotent per request id.** Checking a request id again (a retry after a timeout) returns the stored
///   decision (`isReplay`) and counts nothing; the same id with a different action, amount or subjects throws
///   `.requestIDReused`. The record lives as long as the longest counter it touched, and at least one day.
/// - **Windows.** A calendar day or hour is taken in the rules' time zone from the injected clock, computed
///   in Swift and named in the counter key, so a new day starts from zero.
/// - A refusal names its rule (`decision.code == "risk.<rule id>"`); see ``RiskDecision``.
/// - Rules come from the ``RuleBook`` at the moment of each call; a reload never affects a decision in flight.
public struct RiskEngine: Sendable {
    public let redis: RedisClient
    public let rules: RuleBook
    /// Prepended to every key (tests isolate themselves with a unique prefix); "" in production.
    public let keyPrefix: String
    private let clock: @Sendable () -> Date
    private let logger: Logger

    /// - Parameters:
    ///   - keyPrefix: prepended to every key, including the stream (`<prefix>risk:decisions`).
    ///   - clock: the current time; tests inject one to cross a day boundary.
    public init(
        redis: RedisClient, rules: RuleBook, keyPrefix: String = "",
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "paystream.risk")
    ) {
        self.redis = redis
        self.rules = rules
        self.keyPrefix = keyPrefix
        self.clock = clock
        self.logger = logger
    }

    private var keySpace: RiskKeySpace { RiskKeySpace(prefix: keyPrefix) }

    /// Checks the request against every rule for `action` and, if all pass, counts it.
    ///
    /// - Parameters:
    ///   - subjects: the subject id per scope (`[.user: "u42", .card: "c7"]`); a counter rule whose scope is
    ///     missing here does not apply (listed in `skippedRuleIDs`).
    ///   - amount: the request's amount; amount rules add its fen, count rules add 1.
    ///   - attributes: moments that age rules read (`"card_bound_at"`); an age rule whose attribute is
    ///     missing does not apply.
    ///   - requestID: the business step's idempotency key (`withdraw:<order id>`), `[A-Za-z0-9_.:@-]{1,200}`.
    /// - Throws: `RiskError` `.invalidRequest`, `.requestIDReused`, `.unexpectedReply`; `RedisError` as thrown
    ///   by the client (on `.timeout` or `.io` the decision may have been made: retry with the same id).
    public func check(
        action: RiskAction, subjects: [RiskScope: String], amount: Amount, attributes: [String: Date]? = nil,
        requestID: String
    ) async throws -> RiskDecision {
        let request = DecisionRequest(
            action: action, subjects: subjects, amount: amount, attributes: attributes ?? [:],
            requestID: requestID, now: clock())
        try request.validate()
        let ruleSet = rules.current
        let plan = DecisionPlan(request: request, rules: ruleSet, keySpace: keySpace)
        let reply = try await redis.multiplexed.evaluate(RiskScripts.check, keys: plan.keys, arguments: plan.arguments)
        let decision = try decode(reply, request: request, plan: plan, rules: ruleSet)
        if decision.isAllowed {
            logger.debug("risk allowed", metadata: ["request_id": "\(requestID)", "action": "\(action)"])
        } else {
            logger.info(
                "risk refused",
                metadata: [
                    "request_id": "\(requestID)", "action": "\(action)", "rule": "\(decision.ruleID ?? "")",
                    "replay": "\(decision.isReplay)",
                ])
        }
        return decision
    }

    /// Takes back the counts of an allowed decision whose action then failed before money moved (refused
    /// downstream, freeze failed). Idempotent: a second release, or a release of a refusal, changes nothing.
    /// After a release the request id is forgotten, so a retry of the same request is decided afresh.
    /// - Throws: `RedisError` as thrown by the client (a release that timed out may be repeated safely).
    @discardableResult
    public func release(_ decision: RiskDecision) async throws -> ReleaseOutcome {
        let reply = try await redis.multiplexed.evaluate(
            RiskScripts.release, keys: [keySpace.request(decision.requestID), keySpace.decisions],
            arguments: [
                String(clock().unixMilliseconds), String(DecisionPlan.streamMaximumLength), decision.requestID,
            ])
        switch reply.string {
        case "released": return .released
        case "nothing_reserved": return .nothingReserved
        case "unknown": return .unknown
        default:
            throw RiskError(code: .unexpectedReply, message: "release script answered \(reply)")
        }
    }

    private func decode(_ reply: RedisValue, request: DecisionRequest, plan: DecisionPlan, rules: RuleSet)
        throws -> RiskDecision
    {
        guard let fields = reply.elements?.map({ $0.string }), fields.count == 7,
            let kind = fields[0], let outcomeText = fields[1], let outcome = RiskDecision.Outcome(rawValue: outcomeText),
            let ruleID = fields[2], let seen = fields[3], let counters = CounterReading.decodeList(seen),
            let entry = fields[4], let atText = fields[5], let atMilliseconds = Int64(atText),
            let fingerprint = fields[6], kind == "new" || kind == "replay"
        else {
            throw RiskError(code: .unexpectedReply, message: "check script answered \(reply)")
        }
        guard fingerprint == plan.fingerprint else {
            throw RiskError(
                code: .requestIDReused,
                message: "request id \(request.requestID) was decided for \(fingerprint), not \(plan.fingerprint)")
        }
        guard (outcome == .refused) == !ruleID.isEmpty else {
            throw RiskError(code: .unexpectedReply, message: "outcome \(outcome) with rule \"\(ruleID)\"")
        }
        let message = ruleID.isEmpty ? nil : (rules.rule(id: ruleID)?.message ?? "refused by risk rule \(ruleID)")
        return RiskDecision(
            requestID: request.requestID, action: request.action, subjects: request.subjects,
            amount: request.amount, outcome: outcome, ruleID: ruleID.isEmpty ? nil : ruleID, message: message,
            counters: counters, skippedRuleIDs: plan.skippedRuleIDs,
            decidedAt: Date(unixMilliseconds: atMilliseconds), streamEntryID: entry, isReplay: kind == "replay")
    }
}
