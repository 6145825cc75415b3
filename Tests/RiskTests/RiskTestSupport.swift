import Foundation
import Logging
import PaystreamCore
import Redis
import Risk
import Synchronization
import TestSupport

/// A clock a test moves by hand.
final class TestClock: Sendable {
    private let moment: Mutex<Date>

    init(_ start: Date) { moment = Mutex(start) }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC.
    convenience init(utc text: String) { self.init(utcDate(text)) }

    var now: Date { moment.withLock { $0 } }
    func set(_ date: Date) { moment.withLock { $0 = date } }
    func advance(seconds: Double) { moment.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [self] in now } }
}

func utcDate(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)!
}

func yuan(_ text: String) throws -> Amount { try Amount.parseYuan(text) }

/// The committed default rules, deploy/risk/rules.yaml.
var defaultRulesPath: String {
    TestEnvironment.repositoryRoot.appendingPathComponent("deploy/risk/rules.yaml").path
}

/// Runs `body` with a Redis client and a unique key prefix, then deletes every key under the prefix.
func withRisk<T>(_ body: (RedisClient, String) async throws -> T) async throws -> T {
    let client = RedisClient(
        configuration: try RedisConfiguration(url: TestEnvironment.redisURL()), logger: Logger(label: "risk-tests"))
    let prefix = TestEnvironment.uniqueName("risktest") + ":"
    func cleanUp() async {
        var cursor = "0"
        repeat {
            guard let reply = try? await client.send(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"]),
                let parts = reply.elements, parts.count == 2, let next = parts[0].string
            else { break }
            let keys = parts[1].elements?.compactMap(\.string) ?? []
            if !keys.isEmpty { _ = try? await client.send(["DEL"] + keys) }
            cursor = next
        } while cursor != "0"
        await client.shutdown()
    }
    do {
        let result = try await body(client, prefix)
        await cleanUp()
        return result
    } catch {
        await cleanUp()
        throw error
    }
}

/// An engine over `rules` (parsed from YAML) with the test's prefix and clock.
func engine(_ client: RedisClient, _ prefix: String, yaml: String, clock: TestClock) throws -> RiskEngine {
    RiskEngine(
        redis: client, rules: RuleBook(fixed: try RuleSet.parse(yaml: yaml)), keyPrefix: prefix,
        clock: clock.function)
}

/// An engine over the committed default rules file.
func defaultEngine(_ client: RedisClient, _ prefix: String, clock: TestClock) throws -> RiskEngine {
    RiskEngine(
        redis: client, rules: try RuleBook(contentsOf: defaultRulesPath), keyPrefix: prefix,
        clock: clock.function)
}

/// A temporary rules file, replaced atomically (write + rename) like an operator should.
struct TemporaryRulesFile {
    let path: String

    init(_ yaml: String) throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent(TestEnvironment.uniqueName("rules") + ".yaml").path
        try write(yaml)
    }

    func write(_ yaml: String) throws {
        let temporary = path + ".tmp"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Overwrites in place (what a careless editor does).
    func overwriteInPlace(_ yaml: String) throws {
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

let countRuleYAML = """
    timezone: Asia/Shanghai
    rules:
      - id: withdraw.daily_count
        on: withdraw
        counter: count
        scope: user
        window: day
        limit: 3
    """

let countAndAmountRulesYAML = countRuleYAML + """

      - id: withdraw.daily_amount
        on: withdraw
        counter: amount
        scope: user
        window: day
        limit: "10000.00"
    """
