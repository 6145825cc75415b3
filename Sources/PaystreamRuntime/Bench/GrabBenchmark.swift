import AsyncHTTPClient
import Foundation
import LedgerStore
import Logging
import NIOCore
import PaystreamCore
import Postgres
import Synchronization

/// `paystream-bench grabs`: red-envelope grabs through the real HTTP API, open loop at a set rate, against a
/// running stack (paystream-api with its activator, paystream-sim, paystream-worker, PostgreSQL, Redis, the
/// broker: `./deploy/local/demo` leaves one running). Requests start on schedule whether or not earlier ones
/// finished; latency is measured from the scheduled start, so a slow answer cannot hide the ones queued
/// behind it. Then it waits for every granted grab's transfer to be committed and runs ledger verify.
struct GrabBenchmark {
    struct Settings {
        var api = "http://127.0.0.1:58080"
        var sandbox = "http://127.0.0.1:58090"
        var rate = 1_000
        var seconds = 10
        var envelopes = 10
        var sharesPerEnvelope = 1_000
        var hot = false
        var connections = 128
    }

    let settings: Settings
    let postgresURL: String
    let keys: SecurityKeys
    let logger: Logger

    struct Result: Sendable {
        let status: Int
        let latencyMs: Double
        let grabID: String?
        let startedAt: Date
    }

    func run() async throws {
        let run = String(Int(Date().timeIntervalSince1970) % 1_000_000)
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.connections)))
        let postgres = PostgresClient(configuration: try PostgresConfiguration(url: postgresURL), logger: logger)
        let identities = ProvisionedIdentities(keys: keys, postgres: postgres, apiURL: settings.api, http: client)
        do {
            try await measure(client, identities, run: run)
        } catch {
            try? await client.shutdown()
            await postgres.shutdown()
            throw error
        }
        try await client.shutdown()
        await postgres.shutdown()
    }

    private func measure(_ client: HTTPClient, _ identities: ProvisionedIdentities, run: String) async throws {
        let envelopeCount = settings.hot ? 1 : settings.envelopes
        print("paystream-bench grabs: \(settings.rate)/s for \(settings.seconds) s over \(envelopeCount) envelope(s) of \(settings.sharesPerEnvelope) shares, \(settings.connections) connections, API \(settings.api)")

        // One group of every sender and grabber (an envelope is grabbed by its group's members only), then the
        // envelopes sent to it, each paid in the sandbox and waited for until it is in Redis.
        let total = settings.rate * settings.seconds
        let grabbers = (0..<total).compactMap { AccountID("user:bench-\(run)-\($0)") }
        let senders = (0..<envelopeCount).map { "user:bench-sender-\(run)-\($0)" }
        let group = try await BenchHTTP.makeGroup(
            client, identities, api: settings.api, owner: AccountID(senders[0])!, members: senders + grabbers.map(\.description))
        var envelopes: [String] = []
        for sender in senders {
            let sent = try await call(client, identities, "POST", settings.api + "/v1/envelopes",
                #"{"totalFen":\#(settings.sharesPerEnvelope * 100),"shares":\#(settings.sharesPerEnvelope),"mode":"random","groupId":"\#(group)","payWith":"wechat","expiresInSeconds":3600}"#, as: sender)
            guard let id = sent["envelopeId"] as? String else { throw BenchFailure(description: "envelope refused: \(sent)") }
            _ = try await call(client, identities, "POST", settings.sandbox + "/sandbox/pay", #"{"channel":"wechat","outTradeNo":"\#(id)"}"#, as: nil)
            envelopes.append(id)
        }
        for (id, sender) in zip(envelopes, senders) {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, (try? await call(client, identities, "GET", settings.api + "/v1/envelopes/\(id)", nil, as: sender))?["source"] as? String != "redis" {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        print("\(envelopes.count) envelope(s) funded and loaded")

        // Every grabber's API client, made before the clock starts; each grab is signed when it is sent.
        try await identities.provision(grabbers)
        // And each grabber's one-time token, fetched the way a client does (its event stream open, the token
        // pushed to it), also before the clock starts: the figures are for the grabs.
        print("fetching \(total) one-time tokens over the grabbers' event streams (not timed)")
        let fetchStarted = Date()
        try await identities.prefetchTokens(grabbers)
        let fetchSeconds = Date().timeIntervalSince(fetchStarted)
        print(String(format: "  fetched in %.1f s", fetchSeconds))
        // A grab whose token expired is sent without one and answered 428: say so before the figures mislead.
        if fetchSeconds + Double(settings.seconds) > Double(OneTimeTokenRule.lifetimeSeconds) - OneTimeTokenClient.expiryMargin {
            print("  WARNING: the first tokens may expire before their grab is sent (they live \(OneTimeTokenRule.lifetimeSeconds) s); expect 428 answers")
        }

        // Open loop.
        let interval = 1.0 / Double(settings.rate)
        let results = ResultBox()
        let api = settings.api
        let start = Date().addingTimeInterval(0.2)
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let done = results.all.withLock { $0.count }
                print("  … \(done) answered, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
            }
        }
        // Discarding: a plain task group keeps every finished child until it is awaited.
        await withDiscardingTaskGroup { group in
            for n in 0..<total {
                let scheduled = start.addingTimeInterval(Double(n) * interval)
                let wait = scheduled.timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                let envelope = envelopes[n % envelopes.count]
                let user = "user:bench-\(run)-\(n)"
                group.addTask {
                    let url = api + "/v1/envelopes/\(envelope)/grab"
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    if let account = AccountID(user), let credentials = try? await identities.client(for: account) {
                        for (name, value) in ProvisionedIdentities.signatureHeaders(credentials, method: "POST", url: url, body: Array("{}".utf8)) {
                            request.headers.add(name: name, value: value)
                        }
                    }
                    if let account = AccountID(user), let token = try? await identities.tokens.token(for: account, sign: { _, _, _ in [] }) {
                        request.headers.add(name: OneTimeTokenRule.header, value: token)
                    }
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(Array("{}".utf8))
                    var status = -1
                    var grabID: String?
                    if let response = try? await client.execute(request, timeout: .seconds(30)) {
                        status = Int(response.status.code)
                        if let body = try? await response.body.collect(upTo: 1 << 16),
                            let json = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                        {
                            grabID = json["grabId"] as? String
                        }
                    }
                    let result = Result(status: status, latencyMs: Date().timeIntervalSince(scheduled) * 1000, grabID: grabID, startedAt: scheduled)
                    results.all.withLock { $0.append(result) }
                }
            }
        }
        progress.cancel()
        let elapsed = Date().timeIntervalSince(start)
        let all = results.all.withLock { $0 }
        let granted = all.filter { $0.status == 200 }
        var byStatus: [Int: Int] = [:]
        for r in all { byStatus[r.status, default: 0] += 1 }
        let latency = LatencyHistogram(milliseconds: all.filter { $0.status > 0 }.map(\.latencyMs))

        // Time from the request's scheduled start to its transfer's commit (the transferIn order's creation).
        var pg = try PostgresConfiguration(url: postgresURL)
        pg.poolSize = 2
        let postgres = PostgresClient(configuration: pg, logger: logger)
        let ids = granted.compactMap(\.grabID).map { "grab:\($0)" }
        let committed = try await BenchObserver.creationTimes(postgres, orderIDs: ids, timeoutSeconds: 120)
        var toCommit: [Double] = []
        for r in granted {
            if let id = r.grabID, let at = committed["grab:\(id)"] { toCommit.append(at.timeIntervalSince(r.startedAt) * 1000) }
        }
        let commitLatency = LatencyHistogram(milliseconds: toCommit)
        let report = try await LedgerVerifier(client: postgres).verify()
        await postgres.shutdown()

        func ms(_ v: Double) -> String { String(format: "%.1f ms", v) }
        print("")
        print("requests            \(all.count) in \(String(format: "%.1f", elapsed)) s: \(String(format: "%.0f", Double(all.count) / elapsed)) answered/s (target rate \(settings.rate)/s)")
        print("answers             \(byStatus.sorted { $0.key < $1.key }.map { "\($0.key == -1 ? "failed" : String($0.key)): \($0.value)" }.joined(separator: ", "))")
        print("granted grabs       \(granted.count) (\(String(format: "%.0f", Double(granted.count) / elapsed))/s)")
        print("API latency         p50 \(ms(latency.value(atPercentile: 50)))  p90 \(ms(latency.value(atPercentile: 90)))  p99 \(ms(latency.value(atPercentile: 99)))  p99.9 \(ms(latency.value(atPercentile: 99.9)))")
        print("to committed        \(toCommit.count)/\(granted.count) committed; p50 \(ms(commitLatency.value(atPercentile: 50)))  p99 \(ms(commitLatency.value(atPercentile: 99)))")
        print("ledger verify       \(report.isClean ? "clean" : "VIOLATIONS: \(report.violations.prefix(5))")")
        if !report.isClean || toCommit.count < granted.count { throw BenchFailure(description: "not every grab was committed cleanly") }
    }

    private func call(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, _ method: String, _ url: String, _ body: String?, as account: String?
    ) async throws -> [String: Any] {
        try await BenchHTTP.send(client, identities, api: settings.api, method, url, body, as: account.flatMap(AccountID.init)).json
    }
}

final class ResultBox: Sendable {
    let all = Mutex<[GrabBenchmark.Result]>([])
}

struct BenchFailure: Error, CustomStringConvertible { let description: String }
