import AsyncHTTPClient
import Foundation
import LedgerStore
import Logging
import NIOCore
import PaystreamCore
import Postgres
import Synchronization

/// `paystream-bench mixed`: the whole system under a mix that mirrors real use, through the real HTTP API, open
/// loop at a set arrival rate, against a running stack (`./deploy/local/demo` leaves one).
///
/// The mix (weights, `--mix grab-hot=30,grab-cold=25,balance=15,orders=10,recharge=8,withdraw=6,send=6`):
/// grabs on one hot envelope and on cold ones (each grab by a grabber of its own), balance and order-list reads,
/// recharges paid in the sandbox, withdrawals (approved by a back-office loop as they arrive, then paid out),
/// envelope sends paid in the sandbox. Every money-moving request carries a one-time token, fetched over the
/// client's event stream before the clock starts.
///
/// Requests start on schedule whether or not earlier ones finished; latency is measured from the scheduled
/// start. Reported: answers by kind and status, API latency percentiles by kind and overall, time from a grab's
/// or a withdrawal's request to its committed ledger effect, and ledger verify at the end; a JSON file with
/// the same figures when asked.
///
/// Not measured here (yet): consumer lag over time, CPU and memory per process, the machine's own limits
/// (pgbench, redis-benchmark, an empty endpoint) as ratios; the percentiles are exact, not an HDR histogram.
struct MixedBenchmark: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case grabHot = "grab-hot", grabCold = "grab-cold", balance, orders, recharge, withdraw, send
    }

    struct Settings: Sendable {
        var api = "http://127.0.0.1:58080"
        var sandbox = "http://127.0.0.1:58090"
        var rate = 400
        var seconds = 30
        var users = 300
        var connections = 256
        var mix: [Kind: Int] = [.grabHot: 30, .grabCold: 25, .balance: 15, .orders: 10, .recharge: 8, .withdraw: 6, .send: 6]
        var jsonPath: String?

        static func parseMix(_ text: String) throws -> [Kind: Int] {
            var mix: [Kind: Int] = [:]
            for part in text.split(separator: ",") {
                let pair = part.split(separator: "=")
                guard pair.count == 2, let kind = Kind(rawValue: String(pair[0])), let weight = Int(pair[1]), weight >= 0 else {
                    throw BenchFailure(description: "--mix takes kind=weight pairs of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mix[kind] = weight
            }
            guard mix.values.reduce(0, +) > 0 else { throw BenchFailure(description: "--mix weighs nothing") }
            return mix
        }
    }

    let settings: Settings
    let postgresURL: String
    let keys: SecurityKeys
    let logger: Logger

    struct Sample: Sendable {
        let kind: Kind
        let status: Int
        let latencyMs: Double
        let scheduled: Date
        /// The grab id or withdrawal order id, to find its ledger effect.
        let reference: String?
        /// The problem code of a refusal.
        let code: String?
    }

    private final class Samples: Sendable {
        let all = Mutex<[Sample]>([])
    }

    /// Which grabber and envelope the next grab takes: every grabber grabs once.
    private final class GrabCounter: Sendable {
        let counts = Mutex((hot: 0, cold: 0))
    }

    func run() async throws {
        let run = String(Int(Date().timeIntervalSince1970) % 1_000_000)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.connections)))
        var pg = try PostgresConfiguration(url: postgresURL)
        pg.poolSize = 4
        let postgres = PostgresClient(configuration: pg, logger: logger)
        let identities = ProvisionedIdentities(keys: keys, postgres: postgres, apiURL: settings.api, http: client, tokenBatch: 50)
        do {
            try await measure(client, identities, postgres, run: run)
        } catch {
            identities.tokens.releaseAll()
            try? await client.shutdown()
            await postgres.shutdown()
            throw error
        }
        identities.tokens.releaseAll()
        try await client.shutdown()
        await postgres.shutdown()
    }

    private func measure(_ client: HTTPClient, _ identities: ProvisionedIdentities, _ postgres: PostgresClient, run: String) async throws {
        let total = settings.rate * settings.seconds
        let weights = Kind.allCases.map { ($0, settings.mix[$0] ?? 0) }.filter { $0.1 > 0 }
        let weightSum = weights.map(\.1).reduce(0, +)
        // The plan: the kind of every request, decided up front (deterministic spread, no random clumps).
        // Each request's user: the kind's requests go round the users in turn, so that no user gets more than
        // its share of any kind (the risk rules allow 3 withdrawals a day per user).
        var plan: [(kind: Kind, user: Int)] = []
        plan.reserveCapacity(total)
        var credit = Dictionary(uniqueKeysWithValues: weights.map { ($0.0, 0.0) })
        var seen: [Kind: Int] = [:]
        for _ in 0..<total {
            for (kind, weight) in weights { credit[kind]! += Double(weight) / Double(weightSum) }
            let next = credit.max { $0.value < $1.value }!.key
            credit[next]! -= 1
            plan.append((next, seen[next, default: 0] % settings.users))
            seen[next, default: 0] += 1
        }
        let counts = Dictionary(grouping: plan, by: { $0.kind }).mapValues(\.count)
        print("paystream-bench mixed: \(settings.rate)/s for \(settings.seconds) s (\(total) requests), \(settings.users) users, API \(settings.api)")
        print("mix: " + weights.map { "\($0.0.rawValue) \(counts[$0.0] ?? 0)" }.joined(separator: ", "))

        // Set-up, not timed: funded users, envelopes loaded in Redis, API clients and one-time tokens.
        let users = (0..<settings.users).compactMap { AccountID("user:mix-\(run)-\($0)") }
        try await identities.provision(users)
        try await forEachConcurrently(users, width: 32) { user in
            let order = try await call(client, identities, "POST", "/v1/recharges", #"{"amountFen":1000000,"channel":"wechat"}"#, as: user)
            guard let id = order.json["orderId"] as? String else { throw BenchFailure(description: "recharge refused: \(order.status)") }
            _ = try await call(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
        }
        let hotGrabs = counts[.grabHot] ?? 0, coldGrabs = counts[.grabCold] ?? 0
        // Hot: one envelope of 1,000 shares at a time, the next one once it is empty.
        var hotEnvelopes: [String] = []
        for n in stride(from: 0, to: hotGrabs, by: 1000) {
            hotEnvelopes.append(try await envelope(client, identities, sender: users[0], shares: min(1000, hotGrabs - n)))
        }
        var cold: [String] = []
        for n in 0..<(coldGrabs == 0 ? 0 : max(4, (coldGrabs + 199) / 200)) {
            cold.append(try await envelope(client, identities, sender: users[(n + 1) % users.count], shares: 200))
        }
        let grabbers = (0..<(hotGrabs + coldGrabs)).compactMap { AccountID("user:mix-\(run)-g\($0)") }
        try await identities.provision(grabbers)
        print("set-up: \(users.count) users funded, \(hotEnvelopes.count) hot and \(cold.count) cold envelopes loaded; fetching one-time tokens (not timed)")
        try await identities.prefetchTokens(users + grabbers)
        // Wait for the set-up's recharges to be credited.
        try await BenchObserver.waitForCount(
            postgres, sql: "SELECT count(*) FROM orders WHERE owner_account LIKE 'user:mix-\(run)-%' AND kind = 'recharge' AND status = 'paid'",
            count: users.count, timeoutSeconds: 120)

        // The back office approves withdrawals as they arrive.
        let approver = Task { await approveWithdrawals(client, identities) }

        // Open loop.
        let samples = Samples()
        let interval = 1.0 / Double(settings.rate)
        let start = Date().addingTimeInterval(0.5)
        let progress = Task {
            var last = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let done = samples.all.withLock { $0.count }
                print("  … \(done) answered (+\(done - last)), \(String(format: "%.0f", Date().timeIntervalSince(start))) s")
                last = done
            }
        }
        let grabCounter = GrabCounter()
        let coldEnvelopes = cold, hotOnes = hotEnvelopes
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<total {
                let scheduled = start.addingTimeInterval(Double(n) * interval)
                let wait = scheduled.timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                let kind = plan[n].kind
                let user = users[plan[n].user]
                group.addTask {
                    var reference: String?
                    let reply: Reply
                    switch kind {
                    case .grabHot, .grabCold:
                        let (grabber, target) = grabCounter.counts.withLock { counter -> (Int, String) in
                            if kind == .grabHot {
                                counter.hot += 1
                                return (counter.hot - 1, hotOnes[(counter.hot - 1) / 1000])
                            }
                            counter.cold += 1
                            return (hotGrabs + counter.cold - 1, coldEnvelopes[(counter.cold - 1) % coldEnvelopes.count])
                        }
                        reply = await callOrFailure(client, identities, "POST", "/v1/envelopes/\(target)/grab", "{}", as: grabbers[grabber])
                        reference = reply.json["grabId"] as? String
                    case .balance:
                        reply = await callOrFailure(client, identities, "GET", "/v1/balance", nil, as: user)
                    case .orders:
                        reply = await callOrFailure(client, identities, "GET", "/v1/orders?limit=20", nil, as: user)
                    case .recharge:
                        reply = await callOrFailure(client, identities, "POST", "/v1/recharges", #"{"amountFen":5000,"channel":"wechat"}"#, as: user)
                        if let id = reply.json["orderId"] as? String {
                            _ = await callOrFailure(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
                        }
                    case .withdraw:
                        reply = await callOrFailure(
                            client, identities, "POST", "/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"o-mix"}"#, as: user)
                        reference = reply.json["orderId"] as? String
                    case .send:
                        reply = await callOrFailure(
                            client, identities, "POST", "/v1/envelopes",
                            #"{"totalFen":1000,"shares":5,"mode":"random","payWith":"wechat","expiresInSeconds":3600}"#, as: user)
                        if let id = reply.json["envelopeId"] as? String {
                            _ = await callOrFailure(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
                        }
                    }
                    let sample = Sample(
                        kind: kind, status: reply.status, latencyMs: Date().timeIntervalSince(scheduled) * 1000, scheduled: scheduled,
                        reference: reference, code: reply.status >= 400 ? reply.json["code"] as? String : nil)
                    samples.all.withLock { $0.append(sample) }
                }
            }
        }
        progress.cancel()
        let elapsed = Date().timeIntervalSince(start)
        approver.cancel()
        let all = samples.all.withLock { $0 }
        try await report(all, elapsed: elapsed, postgres: postgres)
    }

    // MARK: report

    private func report(_ all: [Sample], elapsed: Double, postgres: PostgresClient) async throws {
        func ms(_ v: Double) -> String { v.isNaN ? "-" : String(format: "%.1f", v) }
        let ok = all.filter { (200..<300).contains($0.status) }
        let errors = all.filter { $0.status < 200 || $0.status >= 500 || $0.status == -1 }
        print("")
        print("requests     \(all.count) in \(String(format: "%.1f", elapsed)) s: \(String(format: "%.0f", Double(all.count) / elapsed)) answered/s, "
            + "\(String(format: "%.0f", Double(ok.count) / elapsed)) accepted/s (target \(settings.rate)/s); \(errors.count) errors (5xx or no answer)")
        func column(_ text: String, _ width: Int, right: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - text.count))
            return right ? pad + text : text + pad
        }
        print(column("kind", 10) + column("count", 7, right: true) + "  " + column("answers", 30) + ["p50 ms", "p90", "p99", "p99.9"].map { column($0, 8, right: true) }.joined())
        var byKindJSON: [String: Any] = [:]
        for kind in Kind.allCases {
            let mine = all.filter { $0.kind == kind }
            guard !mine.isEmpty else { continue }
            let latency = Percentiles(mine.filter { $0.status > 0 }.map(\.latencyMs))
            var statuses: [Int: Int] = [:]
            for s in mine { statuses[s.status, default: 0] += 1 }
            let answers = statuses.sorted { $0.key < $1.key }.map { "\($0.key == -1 ? "failed" : String($0.key)):\($0.value)" }.joined(separator: " ")
            var codes: [String: Int] = [:]
            for s in mine { if let code = s.code { codes[code, default: 0] += 1 } }
            print(column(kind.rawValue, 10) + column(String(mine.count), 7, right: true) + "  " + column(answers, 30)
                + [50, 90, 99, 99.9].map { column(ms(latency.value($0)), 8, right: true) }.joined()
                + (codes.isEmpty ? "" : "   refusals: " + codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            byKindJSON[kind.rawValue] = [
                "count": mine.count, "answers": Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), $0.value) }), "refusals": codes,
                "p50Ms": latency.value(50), "p90Ms": latency.value(90), "p99Ms": latency.value(99), "p999Ms": latency.value(99.9),
            ]
        }
        let overall = Percentiles(all.filter { $0.status > 0 }.map(\.latencyMs))
        print("all API      p50 \(ms(overall.value(50))) ms  p90 \(ms(overall.value(90)))  p99 \(ms(overall.value(99)))  p99.9 \(ms(overall.value(99.9)))")

        // Time to the committed ledger effect: a grab's incoming order, a withdrawal's freeze (its order row).
        var effects: [String: Date] = [:]
        let wanted = ok.compactMap { s -> String? in
            guard let reference = s.reference else { return nil }
            return s.kind == .withdraw ? reference : "grab:\(reference)"
        }
        let deadline = Date().addingTimeInterval(120)
        while effects.count < wanted.count && Date() < deadline {
            let missing = wanted.filter { effects[$0] == nil }
            for start in stride(from: 0, to: missing.count, by: 5_000) {
                let chunk = Array(missing[start..<min(start + 5_000, missing.count)])
                for row in try await postgres.query("SELECT order_id, created_at FROM orders WHERE order_id = ANY(\(chunk)::text[])") {
                    effects[try row.decode(String.self, column: "order_id")] = try row.decode(Date.self, column: "created_at")
                }
            }
            if effects.count < wanted.count { try await Task.sleep(for: .milliseconds(250)) }
        }
        let toEffect = Percentiles(ok.compactMap { s -> Double? in
            guard let reference = s.reference, let at = effects[s.kind == .withdraw ? reference : "grab:\(reference)"] else { return nil }
            return at.timeIntervalSince(s.scheduled) * 1000
        })
        print("to ledger    \(effects.count)/\(wanted.count) grabs and withdrawals committed; p50 \(ms(toEffect.value(50))) ms  p99 \(ms(toEffect.value(99))) ms")
        let verify = try await LedgerVerifier(client: postgres).verify()
        print("ledger verify \(verify.isClean ? "clean" : "VIOLATIONS: \(verify.violations.prefix(5))")")

        if let path = settings.jsonPath {
            let object: [String: Any] = [
                "rate": settings.rate, "seconds": settings.seconds, "users": settings.users, "requests": all.count, "elapsedSeconds": elapsed,
                "answeredPerSecond": Double(all.count) / elapsed, "acceptedPerSecond": Double(ok.count) / elapsed, "errors": errors.count,
                "byKind": byKindJSON,
                "all": ["p50Ms": overall.value(50), "p90Ms": overall.value(90), "p99Ms": overall.value(99), "p999Ms": overall.value(99.9)],
                "toLedger": ["committed": effects.count, "expected": wanted.count, "p50Ms": toEffect.value(50), "p99Ms": toEffect.value(99)],
                "ledgerClean": verify.isClean,
            ]
            let data = try JSONSerialization.data(withJSONObject: Self.jsonSafe(object), options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
            print("figures written to \(path)")
        }
        if !verify.isClean || effects.count < wanted.count { throw BenchFailure(description: "not every effect was committed cleanly") }
    }

    /// NaN (no sample) as null: JSON has no NaN.
    static func jsonSafe(_ value: Any) -> Any {
        if let double = value as? Double { return double.isNaN ? NSNull() : double }
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(jsonSafe) }
        return value
    }

    // MARK: requests

    typealias Reply = BenchHTTP.Reply

    private func call(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, _ method: String, _ pathOrURL: String, _ body: String?, as account: AccountID?,
        admin: String? = nil
    ) async throws -> Reply {
        let url = pathOrURL.hasPrefix("http") ? pathOrURL : settings.api + pathOrURL
        return try await BenchHTTP.send(client, identities, api: settings.api, method, url, body, as: account, admin: admin)
    }

    /// The reply, or status -1 when none came (refused connection, timeout).
    private func callOrFailure(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, _ method: String, _ path: String, _ body: String?, as account: AccountID?
    ) async -> Reply {
        (try? await call(client, identities, method, path, body, as: account)) ?? Reply(status: -1, body: [])
    }

    private func envelope(_ client: HTTPClient, _ identities: ProvisionedIdentities, sender: AccountID, shares: Int) async throws -> String {
        let sent = try await call(
            client, identities, "POST", "/v1/envelopes",
            #"{"totalFen":\#(shares * 100),"shares":\#(shares),"mode":"random","payWith":"wechat","expiresInSeconds":3600}"#, as: sender)
        guard let id = sent.json["envelopeId"] as? String else { throw BenchFailure(description: "envelope refused: \(sent.status)") }
        _ = try await call(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await call(client, identities, "GET", "/v1/envelopes/\(id)", nil, as: sender).json["source"] as? String == "redis" { return id }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure(description: "envelope \(id) was not loaded within 60 s")
    }

    /// Every half second: approve the withdrawals waiting for review, as an operator would.
    private func approveWithdrawals(_ client: HTTPClient, _ identities: ProvisionedIdentities) async {
        while !Task.isCancelled {
            if let page = try? await call(client, identities, "GET", "/v1/admin/withdrawals?status=requested&limit=200", nil, as: nil, admin: "ops-bench"),
                let rows = page.json["withdrawals"] as? [[String: Any]]
            {
                for id in rows.compactMap({ $0["orderId"] as? String }) {
                    _ = try? await call(client, identities, "POST", "/v1/admin/withdrawals/\(id)/approve", "{}", as: nil, admin: "ops-bench")
                }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
