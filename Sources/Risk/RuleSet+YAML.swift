import Foundation
import PaystreamCore
import Yams

/// The rules file format (see deploy/risk/rules.yaml for a commented example):
///
/// ```yaml
/// timezone: Asia/Shanghai          # optional; IANA name; Asia/Shanghai when absent
/// rules:
///   - id: withdraw.daily_count     # [A-Za-z0-9_.-]{1,64}, unique; the refusal code is risk.<id>
///     on: withdraw                 # an action, or a list of actions sharing one counter
///     counter: count               # count | amount
///     scope: user                  # whose counter: a subject scope given with each request
///     window: day                  # day | hour | {seconds: N} (rolling)
///     limit: 3                     # count: an integer; amount: a yuan string such as "10000.00"
///     message: at most 3 withdrawals a day     # optional
///   - id: withdraw.card_cooling
///     on: withdraw
///     requires_age: {of: card_bound_at, seconds: 86400}
/// ```
///
/// Guarantees: parsing is strict — unknown keys, duplicate keys, a rule with both or neither of a counter and
/// `requires_age`, and malformed limits are errors naming the rule and field; an amount limit is read from
/// the scalar's text with `Amount.parseYuan`, so no floating-point value is involved even when unquoted.
extension RuleSet {
    /// Parses and validates a rules file.
    /// - Throws: `RiskError.invalidRules`.
    public static func parse(yaml text: String) throws -> RuleSet {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw RiskError(code: .invalidRules, message: "not valid YAML: \(error)")
        }
        guard let root else { throw RiskError(code: .invalidRules, message: "the rules file is empty") }
        let top = try YAMLFields(root, at: "the rules file", allowed: ["timezone", "rules"])
        var timeZone = TimeZone(identifier: defaultTimeZoneIdentifier)!
        if let name = try top.optionalString("timezone") {
            guard let zone = TimeZone(identifier: name) else {
                throw RiskError(code: .invalidRules, message: "timezone \"\(name)\" is not a known time zone")
            }
            timeZone = zone
        }
        var rules: [RiskRule] = []
        if let list = top.node("rules") {
            guard let sequence = list.sequence else {
                throw RiskError(code: .invalidRules, message: "rules must be a list")
            }
            for (index, node) in sequence.enumerated() {
                rules.append(try parseRule(node, at: "rules[\(index)]"))
            }
        }
        return try RuleSet(timeZone: timeZone, rules: rules)
    }

    private static func parseRule(_ node: Node, at place: String) throws -> RiskRule {
        let fields = try YAMLFields(
            node, at: place,
            allowed: ["id", "on", "message", "counter", "scope", "window", "limit", "requires_age"])
        let id = try fields.string("id")
        let at = "\(place) (\(id))"
        let actions = try fields.strings("on", at: at).map(RiskAction.init(rawValue:))
        let message = try fields.optionalString("message")
        let counterKeys = ["counter", "scope", "window", "limit"].filter { fields.node($0) != nil }
        let condition: RiskRule.Condition
        if let age = fields.node("requires_age") {
            guard counterKeys.isEmpty else {
                throw fail(at, "has requires_age and \(counterKeys.joined(separator: ", ")); use two rules")
            }
            let ageFields = try YAMLFields(age, at: "\(at).requires_age", allowed: ["of", "seconds"])
            condition = .minimumAge(
                AgeRequirement(attribute: try ageFields.string("of"), seconds: try ageFields.integer("seconds")))
        } else {
            guard counterKeys.count == 4 else {
                throw fail(at, "needs counter, scope, window and limit (or requires_age)")
            }
            let scope = RiskScope(rawValue: try fields.string("scope"))
            let window = try parseWindow(fields.node("window")!, at: "\(at).window")
            let limitText = try fields.string("limit")
            let limit: CounterLimit.Limit
            switch try fields.string("counter") {
            case "count":
                guard let count = YAMLFields.exactInteger(limitText) else {
                    throw fail(at, "limit \"\(limitText)\" is not a whole number of requests")
                }
                limit = .count(count)
            case "amount":
                do {
                    limit = .amount(try Amount.parseYuan(limitText))
                } catch {
                    throw fail(at, "limit \"\(limitText)\" is not a yuan amount such as \"10000.00\": \(error)")
                }
            case let other:
                throw fail(at, "counter \"\(other)\" is neither count nor amount")
            }
            condition = .counter(CounterLimit(scope: scope, window: window, limit: limit))
        }
        return RiskRule(id: id, actions: Set(actions), message: message, condition: condition)
    }

    private static func parseWindow(_ node: Node, at place: String) throws -> RiskWindow {
        if let text = node.scalar?.string {
            switch text {
            case "day": return .day
            case "hour": return .hour
            default: throw fail(place, "\"\(text)\" is not day, hour or {seconds: N}")
            }
        }
        let fields = try YAMLFields(node, at: place, allowed: ["seconds"])
        return .rolling(seconds: try fields.integer("seconds"))
    }

    private static func fail(_ place: String, _ message: String) -> RiskError {
        RiskError(code: .invalidRules, message: "\(place): \(message)")
    }
}

/// The fields of one YAML mapping, with strict reading helpers.
private struct YAMLFields {
    let place: String
    private var values: [String: Node] = [:]

    init(_ node: Node, at place: String, allowed: Set<String>) throws {
        self.place = place
        guard let mapping = node.mapping else {
            throw RiskError(code: .invalidRules, message: "\(place) must be a mapping")
        }
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                throw RiskError(code: .invalidRules, message: "\(place) has a key that is not a plain name")
            }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw RiskError(code: .invalidRules, message: "\(place) has unknown key \"\(name)\" (known: \(known))")
            }
            guard values.updateValue(value, forKey: name) == nil else {
                throw RiskError(code: .invalidRules, message: "\(place) has key \"\(name)\" twice")
            }
        }
    }

    func node(_ key: String) -> Node? { values[key] }

    func optionalString(_ key: String) throws -> String? {
        guard let node = values[key] else { return nil }
        guard let text = node.scalar?.string, !text.isEmpty else {
            throw RiskError(code: .invalidRules, message: "\(place).\(key) must be a non-empty text")
        }
        return text
    }

    func string(_ key: String) throws -> String {
        guard let text = try optionalString(key) else {
            throw RiskError(code: .invalidRules, message: "\(place) needs \(key)")
        }
        return text
    }

    /// A scalar, or a non-empty list of scalars.
    func strings(_ key: String, at label: String) throws -> [String] {
        if let list = values[key]?.sequence {
            let texts = list.compactMap { $0.scalar?.string }
            guard !texts.isEmpty, texts.count == list.count else {
                throw RiskError(code: .invalidRules, message: "\(label).\(key) must be a name or a list of names")
            }
            return texts
        }
        return [try string(key)]
    }

    func integer(_ key: String) throws -> Int64 {
        let text = try string(key)
        guard let value = YAMLFields.exactInteger(text) else {
            throw RiskError(code: .invalidRules, message: "\(place).\(key) \"\(text)\" is not a whole number")
        }
        return value
    }

    /// `^(0|[1-9][0-9]*)$` within Int64, nothing else (no sign, no exponent, no underscores).
    static func exactInteger(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            bytes.count == 1 || bytes[0] != UInt8(ascii: "0")
        else { return nil }
        return Int64(text)
    }
}
