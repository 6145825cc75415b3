import Foundation
import PaystreamCore

/// Where the engine keeps its data in Redis, all under one prefix (tests use a unique one).
struct RiskKeySpace: Sendable {
    let prefix: String

    /// The stream of decisions: `<prefix>risk:decisions`.
    var decisions: String { "\(prefix)risk:decisions" }
    /// The record of one decided request: `<prefix>risk:request:<request id>`.
    func request(_ requestID: String) -> String { "\(prefix)risk:request:\(requestID)" }
    /// A counter: `<prefix>risk:counter:<rule>:<scope>:<subject>:<window start or length>`.
    func counter(rule: String, scope: RiskScope, subject: String, window: String) -> String {
        "\(prefix)risk:counter:\(rule):\(scope.rawValue):\(subject):\(window)"
    }
}

/// Everything one decision sends to the check script, computed without I/O.
struct DecisionPlan: Sendable {
    var keys: [String]
    var arguments: [String]
    /// The counter rules sent to the script, in file order.
    var counterRules: [RiskRule]
    var skippedRuleIDs: [String]
    /// `action|fen|scope=subject,...`: a retry with the same request id must send the same request.
    var fingerprint: String
}

/// The inputs of one decision.
struct DecisionRequest: Sendable {
    var action: RiskAction
    var subjects: [RiskScope: String]
    var amount: Amount
    var attributes: [String: Date]
    var requestID: String
    var now: Date

    /// - Throws: `RiskError.invalidRequest` for a name or id that cannot be stored safely.
    func validate() throws {
        guard action.isValid else {
            throw RiskError(code: .invalidRequest, message: "action \"\(action)\" is not 1...32 of [a-z0-9_]")
        }
        guard RiskNames.isRequestID(requestID) else {
            throw RiskError(
                code: .invalidRequest, message: "request id \"\(requestID)\" is not 1...200 of [A-Za-z0-9_.:@-]")
        }
        for (scope, subject) in subjects {
            guard scope.isValid else {
                throw RiskError(code: .invalidRequest, message: "scope \"\(scope)\" is not 1...32 of [a-z0-9_]")
            }
            guard RiskNames.isSubjectID(subject) else {
                throw RiskError(
                    code: .invalidRequest,
                    message: "\(scope) id \"\(subject)\" is not 1...128 of [A-Za-z0-9_.@-]")
            }
        }
    }

    var subjectsText: String {
        subjects.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: ",")
    }
}

extension DecisionPlan {
    /// The decision stream keeps about this many entries (XADD MAXLEN ~).
    static let streamMaximumLength = 100_000
    /// A request record lives at least this long, so a retry within a day is recognised.
    static let minimumRequestRecordSeconds: Int64 = 86_400

    /// Plans a decision: rules for the action in file order; age rules are judged here (the first too young
    /// attribute refuses, before any counter is read); counter rules whose scope has no subject in the
    /// request, and age rules whose attribute is missing, are skipped.
    init(request: DecisionRequest, rules: RuleSet, keySpace: RiskKeySpace) {
        var counterRules: [RiskRule] = []
        var perRule: [String] = []
        var counterKeys: [String] = []
        var skipped: [String] = []
        var refusedBy = ""
        var recordSeconds = DecisionPlan.minimumRequestRecordSeconds
        for rule in rules.rules(for: request.action) {
            switch rule.condition {
            case .minimumAge(let age):
                guard let moment = request.attributes[age.attribute] else {
                    skipped.append(rule.id)
                    continue
                }
                let ageMilliseconds = request.now.unixMilliseconds - moment.unixMilliseconds
                if refusedBy.isEmpty && ageMilliseconds < age.seconds * 1000 { refusedBy = rule.id }
            case .counter(let counter):
                guard let subject = request.subjects[counter.scope] else {
                    skipped.append(rule.id)
                    continue
                }
                let window = counter.window.instance(containing: request.now, in: rules.timeZone)
                let value = keySpace.counter(
                    rule: rule.id, scope: counter.scope, subject: subject, window: window.label)
                counterKeys += [value, value + ":events"]
                let increment = counter.increment(for: request.amount)
                // limit − increment cannot overflow: both are in 0...Int64.max. Negative means the request
                // alone exceeds the limit; the script then refuses whatever the counter holds.
                let maxBefore = counter.limitValue - increment
                let expiry: String
                let cutoff: String
                switch window {
                case .fixed(_, let ttlSeconds):
                    (expiry, cutoff) = (String(ttlSeconds), "")
                case .rolling(_, let cutoffMilliseconds, let ttlMilliseconds):
                    (expiry, cutoff) = (String(ttlMilliseconds), String(cutoffMilliseconds))
                }
                if case .rolling = window { perRule += [rule.id, "r"] } else { perRule += [rule.id, "f"] }
                perRule += [
                    counter.measure.rawValue, String(counter.limitValue), String(max(maxBefore, -1)),
                    String(increment), expiry, cutoff,
                ]
                recordSeconds = max(recordSeconds, window.secondsToLive)
                counterRules.append(rule)
            }
        }
        let fingerprint = "\(request.action.rawValue)|\(request.amount.fen)|\(request.subjectsText)"
        let nowMilliseconds = String(request.now.unixMilliseconds)
        let streamFields = [
            "request_id", request.requestID, "action", request.action.rawValue,
            "amount_fen", String(request.amount.fen), "subjects", request.subjectsText,
            "skipped", skipped.joined(separator: ","), "at_ms", nowMilliseconds,
        ]
        self.keys = [keySpace.request(request.requestID), keySpace.decisions] + counterKeys
        self.arguments =
            [
                String(counterRules.count), nowMilliseconds, String(DecisionPlan.streamMaximumLength),
                String(recordSeconds), request.requestID, refusedBy, fingerprint, String(streamFields.count),
            ] + perRule + streamFields
        self.counterRules = counterRules
        self.skippedRuleIDs = skipped
        self.fingerprint = fingerprint
    }
}
