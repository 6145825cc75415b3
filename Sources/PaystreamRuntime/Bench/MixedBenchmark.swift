import AsyncHTTPClient
import EventBus
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
/// grabs on one hot envelope at a time and on cold ones (by pools of grabbers, never one envelope twice), balance and order-list reads,
/// recharges paid in the sandbox, withdrawals (approved by a back-office loop as they arrive, then paid out),
/// envelope sends paid in the sandbox. Every money-moving request carries a one-time token: a first batch per
/// client is fetched over its event stream before the clock starts, later ones while it runs, as a client would:
/// on a timer, each client at its own time 150 to 30 s before its tokens expire.
///
/// Requests start on schedule whether or not earlier ones finished; latency is measured from the scheduled
/// start to the API's answer (a recharge's or a send's payment in the sandbox comes after it, and is not
/// counted) and kept in HDR-style histograms (three significant digits). The part of it the load generator
/// spent on the headers (signature, one-time token) is reported per kind too. Reported: answers by kind and status,
/// API latency percentiles by kind and overall, time from a grab's or a withdrawal's request to its committed
/// ledger effect, every consumer group's lag and each program's CPU and memory over time (a progress line every
/// sample, a summary with the memory trend at the end), ledger verify, and then the machine's own limits on the
/// same services (pgbench, redis-benchmark of the grab script, an empty endpoint; see ``MachineBaselines``) with
/// Paystream's rate as a ratio of each; a JSON file with all of it, the timeline included, when asked.
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
        /// Measure pgbench, redis-benchmark and the empty endpoint after the load, for the ratios.
        var baselines = true
        /// Seconds between samples of CPU, memory and consumer lag.
        var sampleInterval = 2.0

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
    let configuration: PaystreamConfiguration
    var postgresURL: String { configuration.postgresURL }
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
        /// Of `latencyMs`, the time the load generator spent on the headers (see ``BenchHTTP/Reply/headersMs``).
        let headersMs: Double
    }

    private final class Samples: Sendable {
        let all = Mutex<[Sample]>([])
    }

    /// What the back-office loop did: approvals accepted, refusals (409, by code: another review came first) and
    /// failures (any other answer, by call, status and code). A failure fails the run at the end, so that an
    /// operator who cannot approve is never mistaken for a load without payouts (before, a `limit` over the API's
    /// 100 had every listing refused, silently, and no withdrawal of any run was approved).
    final class BackOffice: Sendable {
        struct Tally: Sendable {
            var approved = 0
            var refused: [String: Int] = [:]
            var failed: [String: Int] = [:]
            /// The run's withdrawals were still not all reviewed when the back office stopped waiting for them.
            var unreviewedAtEnd = 0
        }
        let tally = Mutex(Tally())
        /// Set when the back office is to stop: it finishes the call in flight (a cancelled task would drop an
        /// approval made and not yet answered, and the tally would miss it), then returns.
        let stop = Mutex(false)
        var stopping: Bool { stop.withLock { $0 } }
    }

    /// Which grabber and envelope the next grab takes: every grabber grabs once.
    private final class GrabCounter: Sendable {
        let counts = Mutex((hot: 0, cold: 0))
    }

    /// For `grabs` cold grabs: envelopes of 200 shares (at least 4 while there are any), and as many grabbers as
    /// it takes for no one to grab one envelope twice (at most 200).
    static func coldPools(grabs: Int) -> (grabbers: Int, envelopes: Int) {
        if grabs == 0 { return (0, 0) }
        let envelopes = max(4, (grabs + 199) / 200)
        return ((grabs + envelopes - 1) / envelopes, envelopes)
    }

    /// Cold grab `n` (of at most `grabbers` x `envelopes`): grabber n mod G takes envelope (n / G + n mod G) mod E.
    /// A grabber never meets one envelope twice (for one grabber, n / G differs between its grabs and stays below
    /// E), an envelope gets at most G grabs, and a grabber's grabs come G apart, so that each grabs about once a
    /// second at the usual rates. (Grabber n / E taking envelope n mod E, as before, had each grabber make all its E
    /// grabs in a row: 300 in 1.5 s at 800/s, more one-time tokens a second than one client can be sent.)
    static func coldGrab(_ n: Int, grabbers: Int, envelopes: Int) -> (grabber: Int, envelope: Int) {
        let grabber = n % grabbers
        return (grabber, (n / grabbers + grabber) % envelopes)
    }

    func run() async throws {
        let run = String(Int(Date().timeIntervalSince1970) % 1_000_000)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.connections)))
        var pg = try PostgresConfiguration(url: postgresURL)
        pg.poolSize = 4
        let postgres = PostgresClient(configuration: pg, logger: logger)
        // The users fetch their first tokens together before the load; renewing them at a time of each user's
        // own, from 150 s to 30 s before they expire, keeps them from all asking at the same moment (which no real
        // population of clients does, and which made the load generator's own pool wait at 7,500 users).
        let identities = ProvisionedIdentities(
            keys: keys, postgres: postgres, apiURL: settings.api, http: client, tokenBatch: 50, renewTokensAhead: 30...150)
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
        // Users that withdraw bind a WeChat account first, as a client does: the sandbox's SIMULATED consent gives a
        // code, which the API exchanges at the (simulated) WeChat for the openid withdrawals may name.
        let withdrawing = Array(Set(plan.filter { $0.kind == .withdraw }.map(\.user))).sorted()
        let boundOpenIDs = try await mapConcurrently(withdrawing, width: 32) { index -> (Int, String) in
            let consent = try await call(client, identities, "POST", settings.sandbox + "/sandbox/wechat/authorize", "{}", as: nil)
            guard let code = consent.json["code"] as? String else { throw BenchFailure(description: "the sandbox gave no WeChat code: \(consent.status)") }
            let bound = try await call(client, identities, "POST", "/v1/wechat-accounts", #"{"code":"\#(code)"}"#, as: users[index])
            guard let openID = bound.json["openId"] as? String else { throw BenchFailure(description: "WeChat binding refused: \(bound.status)") }
            return (index, openID)
        }
        let openIDs = Dictionary(uniqueKeysWithValues: boundOpenIDs)
        let hotGrabs = counts[.grabHot] ?? 0, coldGrabs = counts[.grabCold] ?? 0
        let coldPools = Self.coldPools(grabs: coldGrabs)
        // Grabbers: a pool of up to 1,000 for the hot envelopes (grabber i takes share i of each one, so each grabs
        // every hot envelope once), and one for the cold ones, which the grabs go round (``coldGrab(_:grabbers:envelopes:)``:
        // no one grabs one envelope twice, and each grabber's grabs are spread over the run). Each grabber spends a
        // token per grab: its prefetched batch first, then fresh batches over its event stream as a real client would.
        let hotPool = min(1000, hotGrabs), coldPool = coldPools.grabbers
        let grabbers = (0..<(hotPool + coldPool)).compactMap { AccountID("user:mix-\(run)-g\($0)") }
        try await identities.provision(grabbers)
        // Every envelope goes to one group of all the users and grabbers: only its members may grab.
        let envelopeGroup = try await BenchHTTP.makeGroup(
            client, identities, api: settings.api, owner: users[0], members: (users + grabbers).map(\.description))
        // Hot: one envelope of 1,000 shares at a time, the next one once it is empty. Sent, paid and loaded 16 at a
        // time (each waits for its payment to be applied and its shares to be in Redis).
        let hotEnvelopes = try await mapConcurrently(Array(stride(from: 0, to: hotGrabs, by: 1000)), width: 16) { n in
            try await envelope(client, identities, sender: users[0], group: envelopeGroup, shares: min(1000, hotGrabs - n))
        }
        let cold = try await mapConcurrently(Array(0..<coldPools.envelopes), width: 16) { n in
            try await envelope(client, identities, sender: users[(n + 1) % users.count], group: envelopeGroup, shares: 200)
        }
        print("set-up: \(users.count) users funded, \(hotEnvelopes.count) hot and \(cold.count) cold envelopes loaded; fetching one-time tokens (not timed)")
        try await identities.prefetchTokens(users + grabbers)
        // Wait for the set-up's recharges to be credited.
        try await BenchObserver.waitForCount(
            postgres, sql: "SELECT count(*) FROM orders WHERE owner_account LIKE 'user:mix-\(run)-%' AND kind = 'recharge' AND status = 'paid'",
            count: users.count, timeoutSeconds: 120)

        // The back office approves withdrawals as they arrive.
        let backOffice = BackOffice()
        let approver = Task { await approveWithdrawals(client, identities, backOffice) }
        // The clients keep their one-time tokens fresh on a timer, each at its own renewal time.
        let renewer = Task {
            while !Task.isCancelled {
                identities.renewExpiringTokens()
                try? await Task.sleep(for: .seconds(1))
            }
        }

        // Open loop, watched by the monitor.
        let samples = Samples()
        let interval = 1.0 / Double(settings.rate)
        let monitor = try SystemMonitor(
            registry: try TopicRegistry.load(directory: configuration.topicsDirectory), kafka: configuration.kafka(clientID: "paystream-bench-lag"))
        let start = Date().addingTimeInterval(0.5)
        let sampleInterval = settings.sampleInterval
        let progress = Task {
            var last = 0
            await monitor.run(interval: sampleInterval) { point in
                let done = samples.all.withLock { $0.count }
                print("  … \(String(format: "%.0f", Date().timeIntervalSince(start))) s: \(done) answered (+\(done - last))" + Self.progressLine(point))
                last = done
                fflush(nil)
            }
        }
        let grabCounter = GrabCounter()
        let coldEnvelopes = cold, hotOnes = hotEnvelopes
        // Discarding: a plain task group keeps every finished child until it is awaited, about 17 kB a request (the
        // benchmark grew by 400 MB in a minute at 400/s before this).
        await withDiscardingTaskGroup { group in
            for n in 0..<total {
                let scheduled = start.addingTimeInterval(Double(n) * interval)
                let wait = scheduled.timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                let kind = plan[n].kind
                let user = users[plan[n].user]
                let openID = openIDs[plan[n].user] ?? ""
                group.addTask {
                    var reference: String?
                    let reply: Reply
                    // When the API answered: a recharge's and a send's payment in the sandbox afterwards (the
                    // payer's action, at the channel) is not part of their latency.
                    var answered: Date?
                    switch kind {
                    case .grabHot, .grabCold:
                        let (grabber, target) = grabCounter.counts.withLock { counter -> (Int, String) in
                            if kind == .grabHot {
                                counter.hot += 1
                                let n = counter.hot - 1
                                return (n % 1000, hotOnes[n / 1000])
                            }
                            counter.cold += 1
                            let pick = Self.coldGrab(counter.cold - 1, grabbers: coldPool, envelopes: coldEnvelopes.count)
                            return (hotPool + pick.grabber, coldEnvelopes[pick.envelope])
                        }
                        reply = await callOrFailure(client, identities, "POST", "/v1/envelopes/\(target)/grab", "{}", as: grabbers[grabber])
                        reference = reply.json["grabId"] as? String
                    case .balance:
                        reply = await callOrFailure(client, identities, "GET", "/v1/balance", nil, as: user)
                    case .orders:
                        reply = await callOrFailure(client, identities, "GET", "/v1/orders?limit=20", nil, as: user)
                    case .recharge:
                        reply = await callOrFailure(client, identities, "POST", "/v1/recharges", #"{"amountFen":5000,"channel":"wechat"}"#, as: user)
                        answered = Date()
                        if let id = reply.json["orderId"] as? String {
                            _ = await callOrFailure(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
                        }
                    case .withdraw:
                        reply = await callOrFailure(
                            client, identities, "POST", "/v1/withdrawals", #"{"amountFen":100,"channel":"wechat","openId":"\#(openID)"}"#, as: user)
                        reference = reply.json["orderId"] as? String
                    case .send:
                        reply = await callOrFailure(
                            client, identities, "POST", "/v1/envelopes",
                            #"{"totalFen":1000,"shares":5,"mode":"random","groupId":"\#(envelopeGroup)","payWith":"wechat","expiresInSeconds":3600}"#, as: user)
                        answered = Date()
                        if let id = reply.json["envelopeId"] as? String {
                            _ = await callOrFailure(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
                        }
                    }
                    let sample = Sample(
                        kind: kind, status: reply.status, latencyMs: (answered ?? Date()).timeIntervalSince(scheduled) * 1000, scheduled: scheduled,
                        reference: reference,
                        code: reply.status == -1 ? String(decoding: reply.body, as: UTF8.self) : reply.status >= 400 ? reply.json["code"] as? String : nil,
                        headersMs: reply.headersMs)
                    samples.all.withLock { $0.append(sample) }
                }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        renewer.cancel()
        // The back office goes on until the run's withdrawals are reviewed (at most 60 s): their payouts are part
        // of the load.
        let requested = samples.all.withLock { $0 }.compactMap { $0.kind == .withdraw && (200..<300).contains($0.status) ? $0.reference : nil }
        let unreviewed = try await BenchObserver.waitUntilNone(
            postgres, sql: "SELECT count(*) FROM withdrawal_requests WHERE reviewed_by IS NULL AND order_id = ANY($1::text[])", ids: requested,
            timeoutSeconds: 60)
        backOffice.stop.withLock { $0 = true }
        await approver.value
        backOffice.tally.withLock { $0.unreviewedAtEnd = unreviewed }
        // A few more samples while the workers catch up, so the lag's tail is on the timeline.
        try? await Task.sleep(for: .milliseconds(Int(sampleInterval * 2500)))
        progress.cancel()
        _ = await progress.value
        await monitor.close()
        let all = samples.all.withLock { $0 }
        let loadWindow = (from: start.timeIntervalSince(monitor.started), to: start.timeIntervalSince(monitor.started) + elapsed)
        try await report(
            all, elapsed: elapsed, postgres: postgres, monitor: monitor, loadWindow: loadWindow, client: client, run: run,
            backOffice: backOffice.tally.withLock { $0 })
    }

    /// The consumer lag and the busiest programs of one sample, for the progress line.
    static func progressLine(_ point: SystemMonitor.Point) -> String {
        let lag = point.lag.sorted { $0.key < $1.key }.map { "\($0.key.replacingOccurrences(of: "paystream-", with: "")) \($0.value)" }
        let cpu = point.usage.sorted { $0.value.cores > $1.value.cores }.prefix(4)
            .map { "\($0.key.replacingOccurrences(of: "paystream-", with: "")) \(String(format: "%.2f", $0.value.cores))" }
        return "; lag: " + (lag.isEmpty ? "-" : lag.joined(separator: ", ")) + "; cores: " + cpu.joined(separator: ", ")
    }

    // MARK: report

    private func report(
        _ all: [Sample], elapsed: Double, postgres: PostgresClient, monitor: SystemMonitor, loadWindow: (from: Double, to: Double),
        client: HTTPClient, run: String, backOffice: BackOffice.Tally
    ) async throws {
        func ms(_ v: Double) -> String { v.isNaN ? "-" : String(format: "%.1f", v) }
        func column(_ text: String, _ width: Int, right: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - text.count))
            return right ? pad + text : text + pad
        }
        func percentiles(_ h: LatencyHistogram) -> [String: Any] {
            ["p50Ms": h.value(atPercentile: 50), "p90Ms": h.value(atPercentile: 90), "p99Ms": h.value(atPercentile: 99),
             "p999Ms": h.value(atPercentile: 99.9), "maxMs": h.maxMilliseconds, "meanMs": h.meanMilliseconds, "count": Int(h.totalCount)]
        }
        let ok = all.filter { (200..<300).contains($0.status) }
        let errors = all.filter { $0.status < 200 || $0.status >= 500 || $0.status == -1 }
        let acceptedPerSecond = Double(ok.count) / elapsed
        print("")
        print("requests     \(all.count) in \(String(format: "%.1f", elapsed)) s: \(String(format: "%.0f", Double(all.count) / elapsed)) answered/s, "
            + "\(String(format: "%.0f", acceptedPerSecond)) accepted/s (target \(settings.rate)/s); \(errors.count) errors (5xx or no answer)")
        print(column("kind", 10) + column("count", 7, right: true) + "  " + column("answers", 30)
            + ["p50 ms", "p90", "p99", "p99.9", "max"].map { column($0, 8, right: true) }.joined())
        var byKindJSON: [String: Any] = [:]
        var headerLines: [String] = []
        var overall = LatencyHistogram()
        for kind in Kind.allCases {
            let mine = all.filter { $0.kind == kind }
            guard !mine.isEmpty else { continue }
            var latency = LatencyHistogram()
            for s in mine where s.status > 0 { latency.record(milliseconds: s.latencyMs) }
            overall.merge(latency)
            var statuses: [Int: Int] = [:]
            for s in mine { statuses[s.status, default: 0] += 1 }
            let answers = statuses.sorted { $0.key < $1.key }.map { "\($0.key == -1 ? "failed" : String($0.key)):\($0.value)" }.joined(separator: " ")
            var codes: [String: Int] = [:]
            for s in mine { if let code = s.code { codes[code, default: 0] += 1 } }
            print(column(kind.rawValue, 10) + column(String(mine.count), 7, right: true) + "  " + column(answers, 30)
                + [50, 90, 99, 99.9].map { column(ms(latency.value(atPercentile: $0)), 8, right: true) }.joined()
                + column(ms(latency.maxMilliseconds), 8, right: true)
                + (codes.isEmpty ? "" : "   refusals: " + codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            var headers = LatencyHistogram()
            for s in mine where s.status > 0 { headers.record(milliseconds: s.headersMs) }
            let slowHeaders = mine.filter { $0.status > 0 && $0.headersMs > 10 }.count
            headerLines.append(
                column(kind.rawValue, 10) + column(String(slowHeaders), 12, right: true)
                    + [50, 99, 99.9].map { column(ms(headers.value(atPercentile: $0)), 8, right: true) }.joined())
            byKindJSON[kind.rawValue] = [
                "count": mine.count, "answers": Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), $0.value) }), "refusals": codes,
                "headersOver10ms": slowHeaders, "headersP99Ms": headers.value(atPercentile: 99),
            ].merging(percentiles(latency)) { a, _ in a }
        }
        print("all API      p50 \(ms(overall.value(atPercentile: 50))) ms  p90 \(ms(overall.value(atPercentile: 90)))  "
            + "p99 \(ms(overall.value(atPercentile: 99)))  p99.9 \(ms(overall.value(atPercentile: 99.9)))  max \(ms(overall.maxMilliseconds))")
        // Part of each latency above is the load generator's own: signing, and for money-moving requests a one-time
        // token, waited for when the client's wallet was empty. Shown so that a tail of token waits is not read as
        // the API's.
        print("the load generator's share: time on the headers (signature, one-time token) before sending")
        print(column("kind", 10) + column("over 10 ms", 12, right: true) + ["p50 ms", "p99", "p99.9"].map { column($0, 8, right: true) }.joined())
        for line in headerLines { print(line) }

        // Time to the committed ledger effect: a grab's incoming order, a withdrawal's freeze (its order row).
        let wanted = ok.compactMap { s -> String? in
            guard let reference = s.reference else { return nil }
            return s.kind == .withdraw ? reference : "grab:\(reference)"
        }
        let effects = try await BenchObserver.creationTimes(postgres, orderIDs: wanted, timeoutSeconds: 120)
        var toEffect = LatencyHistogram()
        for s in ok {
            guard let reference = s.reference, let at = effects[s.kind == .withdraw ? reference : "grab:\(reference)"] else { continue }
            toEffect.record(milliseconds: at.timeIntervalSince(s.scheduled) * 1000)
        }
        print("to ledger    \(effects.count)/\(wanted.count) grabs and withdrawals committed; p50 \(ms(toEffect.value(atPercentile: 50))) ms  "
            + "p99 \(ms(toEffect.value(atPercentile: 99))) ms  max \(ms(toEffect.maxMilliseconds)) ms")

        // The withdrawals' way through the back office and the payout channel, after up to 60 s more for the
        // payouts in flight to end.
        let withdrawals = ok.compactMap { $0.kind == .withdraw ? $0.reference : nil }
        var outcomes = try await BenchObserver.statuses(postgres, orderIDs: withdrawals, settledWithin: 60)
        // One that has no order yet was not applied by the worker (still in its queue, or dead-lettered).
        let notApplied = withdrawals.count - outcomes.values.reduce(0, +)
        if notApplied > 0 { outcomes["notApplied"] = notApplied }
        func counts(_ named: [String: Int]) -> String { named.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
        if !withdrawals.isEmpty || backOffice.approved > 0 || !backOffice.failed.isEmpty {
            print("withdrawals  \(withdrawals.count) accepted; the back office approved \(backOffice.approved)"
                + (backOffice.refused.isEmpty ? "" : ", was refused \(counts(backOffice.refused))")
                + (backOffice.failed.isEmpty ? "" : ", FAILED \(counts(backOffice.failed))")
                + (backOffice.unreviewedAtEnd == 0 ? "" : ", left \(backOffice.unreviewedAtEnd) unreviewed after 60 s")
                + "; at the end: \(outcomes.isEmpty ? "-" : counts(outcomes))")
        }

        // The system while it ran.
        let programs = monitor.programs(from: loadWindow.from, to: loadWindow.to)
        print("")
        print("while loaded (\(String(format: "%.0f", loadWindow.to - loadWindow.from)) s, a sample every \(settings.sampleInterval) s; "
            + "memory is the proportional set size (Pss) summed over the program's processes; trend over the second half)")
        print(column("program", 20) + column("procs", 6, right: true)
            + ["cores avg", "max", "Pss MB start", "max", "end", "trend MB/min"].map { column($0, 13, right: true) }.joined())
        for p in programs {
            print(column(p.program, 20) + column(String(p.processes), 6, right: true)
                + [String(format: "%.2f", p.meanCores), String(format: "%.2f", p.maxCores), String(format: "%.0f", p.residentStartMB),
                   String(format: "%.0f", p.residentMaxMB), String(format: "%.0f", p.residentEndMB), String(format: "%+.2f", p.residentTrendMBPerMinute)]
                .map { column($0, 13, right: true) }.joined())
        }
        let lags = monitor.lag(from: loadWindow.from, to: monitor.timeline.last?.t ?? loadWindow.to)
        print(column("consumer group", 34) + ["lag max", "mean", "at end"].map { column($0, 10, right: true) }.joined())
        for l in lags {
            print(column(l.group, 34) + [String(l.max), String(format: "%.0f", l.mean), String(l.atEnd)].map { column($0, 10, right: true) }.joined())
        }

        let verify = try await LedgerVerifier(client: postgres).verify()
        print("ledger verify \(verify.isClean ? "clean" : "VIOLATIONS: \(verify.violations.prefix(5))")")

        // The machine's own limits, measured after the load so that they do not disturb it.
        var baselines = MachineBaselines.Figures()
        if settings.baselines {
            print("")
            baselines = await MachineBaselines.measure(
                postgresURL: postgresURL, redisURL: configuration.redisURL, client: client, api: settings.api, connections: settings.connections, run: run)
            func ratio(_ base: Double?) -> String { base.map { String(format: "%.0f/s, Paystream's accepted rate is %.3f x", $0, acceptedPerSecond / $0) } ?? "not measured" }
            print("pgbench TPC-B-like          \(ratio(baselines.pgbenchTPS))")
            print("redis-benchmark grab script \(ratio(baselines.redisGrabScriptPerSecond))")
            print("empty endpoint (/healthz)   \(ratio(baselines.emptyEndpointPerSecond))")
            for note in baselines.notes { print("  baseline not measured: \(note)") }
        }

        if let path = settings.jsonPath {
            let object: [String: Any] = [
                "rate": settings.rate, "seconds": settings.seconds, "users": settings.users, "requests": all.count, "elapsedSeconds": elapsed,
                "answeredPerSecond": Double(all.count) / elapsed, "acceptedPerSecond": acceptedPerSecond, "errors": errors.count,
                "byKind": byKindJSON,
                "all": percentiles(overall),
                "allHistogram": overall.buckets.map { [$0.upToMilliseconds, Double($0.count)] as [Double] },
                "toLedger": ["committed": effects.count, "expected": wanted.count].merging(percentiles(toEffect)) { a, _ in a },
                "ledgerClean": verify.isClean,
                "withdrawals": [
                    "accepted": withdrawals.count, "approved": backOffice.approved, "refusedByCode": backOffice.refused,
                    "failedByCall": backOffice.failed, "statusAtEnd": outcomes, "unreviewedAtEnd": backOffice.unreviewedAtEnd,
                ] as [String: Any],
                "loadWindowSeconds": [loadWindow.from, loadWindow.to],
                "programs": programs.map {
                    ["program": $0.program, "processes": $0.processes, "meanCores": $0.meanCores, "maxCores": $0.maxCores,
                     "residentStartMB": $0.residentStartMB, "residentMaxMB": $0.residentMaxMB, "residentEndMB": $0.residentEndMB,
                     "residentTrendMBPerMinute": $0.residentTrendMBPerMinute] as [String: Any]
                },
                "consumerLag": lags.map { ["group": $0.group, "max": Int($0.max), "mean": $0.mean, "atEnd": Int($0.atEnd)] as [String: Any] },
                "timeline": monitor.timeline.map { point -> [String: Any] in
                    ["t": point.t, "lag": point.lag.mapValues { Int($0) },
                     "programs": point.usage.mapValues { ["cores": $0.cores, "residentMB": Double($0.residentBytes) / 1_048_576] }]
                },
                "baselines": [
                    "pgbenchTPS": baselines.pgbenchTPS ?? .nan, "redisGrabScriptPerSecond": baselines.redisGrabScriptPerSecond ?? .nan,
                    "emptyEndpointPerSecond": baselines.emptyEndpointPerSecond ?? .nan, "notes": baselines.notes,
                ],
            ]
            let data = try JSONSerialization.data(withJSONObject: Self.jsonSafe(object), options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
            print("figures written to \(path)")
        }
        if !verify.isClean || effects.count < wanted.count { throw BenchFailure(description: "not every effect was committed cleanly") }
        if !backOffice.failed.isEmpty { throw BenchFailure(description: "the back office's calls failed: \(counts(backOffice.failed))") }
    }

    /// NaN (no sample) as null: JSON has no NaN.
    static func jsonSafe(_ value: Any) -> Any {
        if let double = value as? Double { return double.isNaN ? NSNull() : double }
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(jsonSafe) }
        if let array = value as? [Any] { return array.map(jsonSafe) }
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

    /// The reply, or status -1 when none came (refused connection, timeout, no token), with what went wrong as
    /// its body: reported as the refusal code, so that failures are told apart.
    private func callOrFailure(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, _ method: String, _ path: String, _ body: String?, as account: AccountID?
    ) async -> Reply {
        do {
            return try await call(client, identities, method, path, body, as: account)
        } catch {
            return Reply(status: -1, body: Array(String(String(describing: error).prefix(60)).utf8))
        }
    }

    private func envelope(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, sender: AccountID, group: String, shares: Int
    ) async throws -> String {
        let sent = try await call(
            client, identities, "POST", "/v1/envelopes",
            #"{"totalFen":\#(shares * 100),"shares":\#(shares),"mode":"random","groupId":"\#(group)","payWith":"wechat","expiresInSeconds":3600}"#,
            as: sender)
        guard let id = sent.json["envelopeId"] as? String else { throw BenchFailure(description: "envelope refused: \(sent.status)") }
        _ = try await call(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await call(client, identities, "GET", "/v1/envelopes/\(id)", nil, as: sender).json["source"] as? String == "redis" { return id }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure(description: "envelope \(id) was not loaded within 60 s")
    }

    /// Every half second: approve the withdrawals waiting for review, as an operator would: every page of the
    /// queue (oldest first), each withdrawal not reviewed yet whose destination is still bound. What each call
    /// answered goes into `office`.
    private func approveWithdrawals(_ client: HTTPClient, _ identities: ProvisionedIdentities, _ office: BackOffice) async {
        @Sendable func failed(_ call: String, _ reply: Reply?, _ error: (any Error)? = nil) {
            let what = reply.map { "\($0.status) \($0.json["code"] as? String ?? "")" } ?? "\(error.map { "\($0)" } ?? "no answer")"
            office.tally.withLock { $0.failed["\(call) \(what)", default: 0] += 1 }
        }
        while !office.stopping {
            var cursor: String?
            repeat {
                let path = "/v1/admin/withdrawals?status=requested&limit=100" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = nil
                let page: Reply
                do { page = try await call(client, identities, "GET", path, nil, as: nil, admin: "ops-bench") } catch {
                    failed("list", nil, error)
                    break
                }
                guard page.status == 200, let rows = page.json["withdrawals"] as? [[String: Any]] else {
                    failed("list", page)
                    break
                }
                // Eight operators at a time: one alone, at the API's latencies under load, approved fewer a second than
                // 600 requests/s bring (36), and the queue grew behind it.
                let waiting = rows.filter { $0["reviewedBy"] == nil && $0["destinationRemoved"] as? Bool != true }.compactMap { $0["orderId"] as? String }
                try? await forEachConcurrently(waiting, width: 8) { id in
                    guard !office.stopping else { return }
                    do {
                        let answer = try await call(client, identities, "POST", "/v1/admin/withdrawals/\(id)/approve", "{}", as: nil, admin: "ops-bench")
                        switch answer.status {
                        case 202: office.tally.withLock { $0.approved += 1 }
                        case 409: office.tally.withLock { $0.refused[answer.json["code"] as? String ?? "409", default: 0] += 1 }
                        default: failed("approve", answer)
                        }
                    } catch {
                        failed("approve", nil, error)
                    }
                }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil && !office.stopping
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}
