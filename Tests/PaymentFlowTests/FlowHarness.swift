import AsyncHTTPClient
import Cryptography
import EventBus
import Foundation
import Kafka
import LedgerStore
import NIOCore
import NIOHTTP1
import PaystreamCore
import PaystreamRuntime
import Postgres
import Redis
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// One whole Paystream for one test, as real processes: the channel sandbox (paystream-sim), paystream-api with
/// its dispatchers, and paystream-worker, over the shared broker (topics under a unique prefix), a fresh
/// migrated database and the test Redis (risk keys under a unique prefix).
final class FlowHarness: Sendable {
    let database: PostgresTestDatabase
    let topicsDirectory: URL
    let stateDirectory: URL
    let prefix: String
    let apiURL: String
    /// The HTTP client for the API (one that trusts the test certificate when the API serves HTTPS).
    let client: HTTPClient
    let sandboxURL: String
    let sim: ManagedProcess
    private let workerProcess: Mutex<ManagedProcess>
    private let workerArguments: [String]
    private let schedulerArguments: [String]
    /// The running paystream-worker (a new process after ``restartWorker()``).
    var worker: ManagedProcess { workerProcess.withLock { $0 } }
    private let apiProcess: Mutex<ManagedProcess>
    private let apiArguments: [String]
    /// The running paystream-api (a new process after ``restartAPI()``).
    var api: ManagedProcess { apiProcess.withLock { $0 } }
    /// The secret keys the API and scheduler run with (in `keysFile`), and the clients and sessions made with them.
    let identities: ProvisionedIdentities
    let keysFile: URL

    static let stems = ["payment.callbacks", "envelope.grabs", "withdrawals", "refunds", "transfer.requests", "notifications.outbound"]

    /// `grayTwins`: also create the families' gray twin topics (for a canary worker); off by default, as every
    /// topic is a blocking round trip to the broker's control port that a test starting pays for.
    /// `keysOlderThanRowBinding`: a keys file as made before sealed values were bound to their rows (its keyring has
    /// no `rowsBoundFrom`), as a deployment of before has. `apiOptions`: more command-line options of paystream-api.
    static func start(
        riskRules: String? = nil, paymentQueryAfterSeconds: Double = 300, apiEnvironment: [String: String] = [:],
        apiTLS: (cert: String, key: String, client: HTTPClient)? = nil, grayTwins: Bool = false, keysOlderThanRowBinding: Bool = false,
        apiOptions: [String] = []
    ) async throws -> FlowHarness {
        let prefix = "f" + TestEnvironment.uniqueName("").replacingOccurrences(of: "-", with: "")
        let topics = FileManager.default.temporaryDirectory.appendingPathComponent(prefix)
        try FileManager.default.createDirectory(at: topics, withIntermediateDirectories: true)
        let source = TestEnvironment.repositoryRoot.appendingPathComponent("topics")
        var families: [String] = []
        for stem in stems {
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("\(stem).json"))) as! [String: Any]
            object["name"] = "\(prefix).\(stem)"
            object["partitions"] = 4
            object["consumerGroup"] = "\(prefix)-\(object["consumerGroup"] as? String ?? stem)"
            if object["retry"] != nil { object["retry"] = ["delaysMs": [200, 400]] }
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                .write(to: topics.appendingPathComponent("\(stem).json"))
            families.append("\(prefix).\(stem)")
        }
        // Every topic of those families (and of their gray twins when asked for).
        for spec in try TopicRegistry.load(directory: topics.path).topics(grayTwins: grayTwins) {
            _ = try? KafkaTestCluster.control("CREATE \(spec.name) \(spec.partitions) 3")
        }
        let database = try await PostgresTestDatabase.create()
        let securityKeys =
            keysOlderThanRowBinding
            ? try SecurityKeys(
                fields: FieldKeyring(currentVersion: 1, keys: [1: SecureRandom.bytes(count: 32)], indexKey: SecureRandom.bytes(count: 32)),
                sessionKey: SecureRandom.bytes(count: 32))
            : try SecurityKeys.generate()
        let keysFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-keys.json")
        try securityKeys.jsonRepresentation().write(to: keysFile, atomically: true, encoding: .utf8)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-sim")
        let sim = try ManagedProcess(
            executable: "paystream-sim",
            arguments: ["--port", "0", "--state-dir", state.path, "--notify-retry-ms", "200,400,800,1600,3200"]
                + (apiTLS.map { ["--notify-trust-ca", $0.cert] } ?? []),
            name: "sim")
        let summary = state.appendingPathComponent("sandbox.json")
        // Generous: the whole-system tests start a dozen sets of processes at once on two cores.
        guard await eventually(timeoutSeconds: 120, { FileManager.default.fileExists(atPath: summary.path) }) else {
            throw HarnessError("the sandbox did not write \(summary.path); log: \(sim.logFile.path)")
        }
        let sandboxURL = (try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as! [String: Any])["baseURL"] as! String
        let port = try freePort()
        let rules = riskRules ?? TestEnvironment.repositoryRoot.appendingPathComponent("deploy/risk/rules.yaml").path
        let common = [
            "--topics-dir", topics.path, "--pg-url", database.url, "--kafka-bootstrap", try KafkaTestCluster.bootstrap(),
            "--redis-url", try TestEnvironment.redisURL(), "--log-format", "json",
        ]
        let keys = ["--keys-file", keysFile.path]
        let apiArguments = common + [
            "--port", "\(port)", "--sandbox-state-dir", state.path, "--risk-rules", rules, "--redis-key-prefix", "\(prefix):",
            "--payment-query-after-seconds", "\(paymentQueryAfterSeconds)", "--payout-refusal-settle-seconds", "3",
            "--envelope-reload-settle-seconds", "1", "--refund-abnormal-recheck-seconds", "2", "--refund-refusal-settle-seconds", "3",
        ] + keys + (apiTLS.map { ["--tls-cert", $0.cert, "--tls-key", $0.key] } ?? []) + apiOptions
        let api = try ManagedProcess(executable: "paystream-api", arguments: apiArguments, environment: apiEnvironment, name: "api")
        let workerArguments = common + [
            "--families", families.filter { !$0.hasSuffix("notifications.outbound") }.joined(separator: ","), "--batch-wait-ms", "20",
            "--log-level", "debug",
        ]
        let worker = try ManagedProcess(executable: "paystream-worker", arguments: workerArguments, name: "worker")
        let schedulerArguments = common + keys + ["--sandbox-state-dir", state.path, "--risk-rules", rules, "--redis-key-prefix", "\(prefix):"]
        let harness = FlowHarness(
            database: database, topicsDirectory: topics, stateDirectory: state, prefix: prefix,
            apiURL: "\(apiTLS == nil ? "http" : "https")://127.0.0.1:\(port)", client: apiTLS?.client ?? .shared,
            sandboxURL: sandboxURL, sim: sim, api: api, apiArguments: apiArguments, worker: worker, workerArguments: workerArguments,
            schedulerArguments: schedulerArguments,
            identities: ProvisionedIdentities(
                keys: securityKeys, postgres: database.client, apiURL: "\(apiTLS == nil ? "http" : "https")://127.0.0.1:\(port)",
                http: apiTLS?.client ?? .shared),
            keysFile: keysFile)
        try await harness.waitForAPI()
        return harness
    }

    /// Starts a harness, runs `body`, checks that the ledger verifies clean, and stops every process, also
    /// when `body` fails.
    static func run(
        riskRules: String? = nil, paymentQueryAfterSeconds: Double = 300, apiEnvironment: [String: String] = [:],
        apiTLS: (cert: String, key: String, client: HTTPClient)? = nil, grayTwins: Bool = false, keysOlderThanRowBinding: Bool = false,
        apiOptions: [String] = [], _ body: (FlowHarness) async throws -> Void
    ) async throws {
        let h = try await start(
            riskRules: riskRules, paymentQueryAfterSeconds: paymentQueryAfterSeconds, apiEnvironment: apiEnvironment, apiTLS: apiTLS,
            grayTwins: grayTwins, keysOlderThanRowBinding: keysOlderThanRowBinding, apiOptions: apiOptions)
        do {
            try await body(h)
            let report = try await h.verify()
            #expect(report.isClean, "ledger verify: \(report.violations)")
        } catch {
            await h.stop()
            throw error
        }
        await h.stop()
    }

    private init(
        database: PostgresTestDatabase, topicsDirectory: URL, stateDirectory: URL, prefix: String, apiURL: String, client: HTTPClient,
        sandboxURL: String,
        sim: ManagedProcess, api: ManagedProcess, apiArguments: [String], worker: ManagedProcess, workerArguments: [String],
        schedulerArguments: [String], identities: ProvisionedIdentities, keysFile: URL
    ) {
        self.identities = identities
        self.keysFile = keysFile
        self.database = database
        self.topicsDirectory = topicsDirectory
        self.stateDirectory = stateDirectory
        self.prefix = prefix
        self.apiURL = apiURL
        self.client = client
        self.sandboxURL = sandboxURL
        self.sim = sim
        self.apiProcess = Mutex(api)
        self.apiArguments = apiArguments
        self.workerProcess = Mutex(worker)
        self.workerArguments = workerArguments
        self.schedulerArguments = schedulerArguments
    }

    /// Kills paystream-worker with SIGKILL and starts a new one.
    func killAndRestartWorker() async throws {
        await killWorker()
        try startWorker()
    }

    /// Kills paystream-worker with SIGKILL; nothing is applied until ``startWorker()``.
    func killWorker() async { await worker.kill9() }

    /// Starts a new paystream-worker (after ``killWorker()``).
    func startWorker() throws {
        let fresh = try ManagedProcess(executable: "paystream-worker", arguments: workerArguments, name: "worker")
        workerProcess.withLock { $0 = fresh }
    }

    /// A canary paystream-worker (`--route gray`): the gray twins of this harness's families, in the `.gray`
    /// groups. The caller terminates it.
    func startCanaryWorker() throws -> ManagedProcess {
        try ManagedProcess(executable: "paystream-worker", arguments: workerArguments + ["--route", "gray"], name: "canary")
    }

    /// Runs `paystream-scheduler --once` with `extra` flags to the end; returns its exit status and output.
    func runSchedulerOnce(_ extra: [String] = [], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let scheduler = try ManagedProcess(
            executable: "paystream-scheduler", arguments: schedulerArguments + ["--once"] + extra, environment: environment, name: "scheduler")
        let status = await scheduler.waitForExit(timeoutSeconds: 120)
        return (status, (try? String(contentsOf: scheduler.logFile, encoding: .utf8)) ?? "")
    }

    /// A long-running paystream-scheduler like ``runSchedulerOnce(_:environment:)``'s, with `extra` flags; the
    /// caller terminates it.
    func startScheduler(_ extra: [String], name: String = "scheduler") throws -> ManagedProcess {
        try ManagedProcess(executable: "paystream-scheduler", arguments: schedulerArguments + extra, name: name)
    }

    /// Runs `paystream <arguments>` against this harness's database with its keys file; returns status and output.
    func paystream(_ arguments: [String], withKeys: Bool = true) async throws -> (status: Int32, output: String) {
        let process = try ManagedProcess(
            executable: "paystream", arguments: arguments + ["--pg-url", database.url] + (withKeys ? ["--keys-file", keysFile.path] : []),
            name: "paystream")
        let status = await process.waitForExit(timeoutSeconds: 120)
        return (status, (try? String(contentsOf: process.logFile, encoding: .utf8)) ?? "")
    }

    /// Runs `paystream <arguments>` with every service the scheduler has (the database, Kafka, Redis, the sandbox's
    /// channels, the keys): for the operator commands that talk to the channels.
    func runOperator(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ManagedProcess(executable: "paystream", arguments: arguments + schedulerArguments, name: "paystream-operator")
        let status = await process.waitForExit(timeoutSeconds: 120)
        return (status, (try? String(contentsOf: process.logFile, encoding: .utf8)) ?? "")
    }

    /// Another paystream-api like this harness's, on a new port, with `extra` flags (later flags win); the
    /// caller terminates it.
    func startSecondAPI(_ extra: [String], port: Int? = nil) throws -> ManagedProcess {
        try ManagedProcess(executable: "paystream-api", arguments: apiArguments + ["--port", "\(try port ?? freePort())"] + extra, name: "api2")
    }

    func waitForAPI() async throws {
        let up = await eventually(timeoutSeconds: 60) { (try? await self.get("/healthz").status) == 200 }
        guard up else { throw HarnessError("paystream-api did not answer; log: \(api.logFile.path)") }
    }

    /// Kills paystream-api with SIGKILL: no chance to finish anything.
    func killAPI() async { await api.kill9() }

    /// Starts a new paystream-api on the same port (after ``killAPI()``), with `environment` added.
    func restartAPI(environment: [String: String] = [:]) async throws {
        let fresh = try ManagedProcess(executable: "paystream-api", arguments: apiArguments, environment: environment, name: "api")
        apiProcess.withLock { $0 = fresh }
        try await waitForAPI()
    }

    func stop() async {
        identities.tokens.releaseAll()
        await api.terminate()
        await worker.terminate()
        await sim.terminate()
        await database.close()
        try? FileManager.default.removeItem(at: topicsDirectory)
        try? FileManager.default.removeItem(at: stateDirectory)
        try? FileManager.default.removeItem(at: keysFile)
    }

    // MARK: HTTP

    struct Reply: Sendable {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        func string(_ key: String) -> String? { json[key] as? String }
        func int(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
    }

    func send(
        _ method: HTTPMethod, _ url: String, json: String? = nil, body: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        let bytes = json.map { Array($0.utf8) } ?? body
        for (name, value) in try await authenticated(headers, method: method.rawValue, url: url, body: bytes ?? []) {
            request.headers.add(name: name, value: value)
        }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(json.utf8))
        } else if let body {
            request.body = .bytes(body)
        }
        let response = try await (url.hasPrefix(apiURL) ? client : HTTPClient.shared).execute(request, timeout: .seconds(90))
        let buffer = try await response.body.collect(upTo: 1 << 22)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: fields, body: Array(buffer.readableBytesView))
    }

    /// Tests name the caller with `X-Paystream-Account: <account>` and `X-Paystream-Admin: <operator>` (as
    /// earlier versions of the API took them); for the API these become what a real client sends: the request
    /// signed with the account's API client, a merchant's session, an operator's session. A name that is not a
    /// user or merchant account is passed through unchanged (the API refuses it). `X-Paystream-Unsigned: 1`
    /// sends the headers as they are.
    func authenticated(_ headers: [String: String], method: String, url: String, body: [UInt8]) async throws -> [(name: String, value: String)] {
        guard url.hasPrefix(apiURL), headers["X-Paystream-Unsigned"] == nil else {
            return headers.filter { $0.key != "X-Paystream-Unsigned" }.map { ($0.key, $0.value) }
        }
        var out = headers.filter { $0.key != "X-Paystream-Account" && $0.key != "X-Paystream-Admin" }.map { ($0.key, $0.value) }
        var account: AccountID?
        if let name = headers["X-Paystream-Account"] {
            if let parsed = AccountID(name), parsed.kind == .user || parsed.kind == .merchant { account = parsed } else { out.append(("X-Paystream-Account", name)) }
        }
        out += try await identities.headers(account: account, admin: headers["X-Paystream-Admin"], method: method, url: url, body: body)
        return out
    }

    func get(_ path: String, as account: String? = nil, admin: String? = nil) async throws -> Reply {
        try await send(.GET, apiURL + path, headers: identity(account, admin))
    }

    func post(_ path: String, _ json: String, as account: String? = nil, admin: String? = nil) async throws -> Reply {
        try await send(.POST, apiURL + path, json: json, headers: identity(account, admin))
    }

    private func identity(_ account: String?, _ admin: String?) -> [String: String] {
        var headers: [String: String] = [:]
        if let account { headers["X-Paystream-Account"] = account }
        if let admin { headers["X-Paystream-Admin"] = admin }
        return headers
    }

    /// The payer scans and pays `orderID` in the sandbox (which then sends the channel's notify to the API).
    @discardableResult
    func pay(_ channel: String, _ orderID: String, amountFen: Int64? = nil) async throws -> Reply {
        let amount = amountFen.map { ",\"amountFen\":\($0)" } ?? ""
        return try await send(.POST, sandboxURL + "/sandbox/pay", json: "{\"channel\":\"\(channel)\",\"outTradeNo\":\"\(orderID)\"\(amount)}")
    }

    func sandbox(_ method: HTTPMethod, _ path: String, _ json: String? = nil) async throws -> Reply {
        try await send(method, sandboxURL + path, json: json)
    }

    /// One command to the test Redis.
    func redis(_ arguments: [String]) async throws -> RedisValue {
        let client = RedisClient(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()))
        defer { Task { await client.shutdown() } }
        return try await client.send(arguments)
    }

    // MARK: Ledger

    func balance(_ account: String) async throws -> (available: Int64, frozen: Int64) {
        let rows = try await database.client.query("SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account)")
        guard let row = rows.first else { return (0, 0) }
        return (try row.decode(Int64.self, column: "available_fen"), try row.decode(Int64.self, column: "frozen_fen"))
    }

    func orderStatus(_ orderID: String) async throws -> String? {
        let rows = try await database.client.query("SELECT status FROM orders WHERE order_id = \(orderID)")
        return try rows.first?.decode(String.self, column: "status")
    }

    /// Waits until the order reaches `status` (60 s at most); true if it did.
    func waitFor(_ orderID: String, status: String) async -> Bool {
        await eventually(timeoutSeconds: 60) { (try? await self.orderStatus(orderID)) == status }
    }

    func count(_ sql: String) async throws -> Int64 {
        let rows = try await database.client.query(PostgresQuery(sql: sql, bindings: []))
        return try rows.first?.decode(Int64.self, at: 0) ?? 0
    }

    func verify() async throws -> LedgerReport {
        try await LedgerVerifier(client: database.client).verify()
    }

    /// A user with `fen` in their wallet, recharged through WeChat Pay in the sandbox.
    func fundedUser(_ name: String, fen: Int64) async throws -> String {
        let user = "user:\(name)\(prefix.suffix(6))"
        let order = try await post("/v1/recharges", "{\"amountFen\":\(fen),\"channel\":\"wechat\"}", as: user)
        guard order.status == 201, let orderID = order.string("orderId") else { throw HarnessError("recharge refused: \(order.text)") }
        _ = try await pay("wechat", orderID)
        guard await waitFor(orderID, status: "paid") else { throw HarnessError("recharge \(orderID) was not credited") }
        return user
    }

    /// A group owned by `owner` with `members` (added 1,000 per request, as the API takes them); answers its id.
    func group(owner: String, members: [String]) async throws -> String {
        let made = try await post("/v1/groups", #"{"name":"family"}"#, as: owner)
        guard made.status == 201, let groupID = made.string("groupId") else { throw HarnessError("group refused: \(made.text)") }
        for start in stride(from: 0, to: members.count, by: 1_000) {
            let chunk = members[start..<min(start + 1_000, members.count)].map { "\"\($0)\"" }.joined(separator: ",")
            let added = try await post("/v1/groups/\(groupID)/members", #"{"members":[\#(chunk)]}"#, as: owner)
            guard added.status == 200 else { throw HarnessError("members refused: \(added.text)") }
        }
        return groupID
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}


/// A Server-Sent Events client: connects to `GET /v1/events` as an account and collects the events.
final class PushListener: Sendable {
    private final class Received: Sendable {
        let events = Mutex<[(name: String, data: String)]>([])
    }
    private let received = Received()
    private let task: Task<Void, Never>

    init(_ h: FlowHarness, account: String, groups: [String] = []) async throws {
        let url = h.apiURL + "/v1/events" + (groups.isEmpty ? "" : "?groups=" + groups.joined(separator: ","))
        var request = HTTPClientRequest(url: url)
        for (name, value) in try await h.authenticated(["X-Paystream-Account": account], method: "GET", url: url, body: []) {
            request.headers.add(name: name, value: value)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        guard response.status.code == 200 else { throw HarnessError("push stream answered \(response.status.code)") }
        let received = self.received
        task = Task {
            var pending = ""
            do {
                for try await buffer in response.body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        var name = "", data = ""
                        for line in block.split(separator: "\n") {
                            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                        }
                        if !name.isEmpty { received.events.withLock { $0.append((name, data)) } }
                    }
                }
            } catch {}
        }
    }

    var events: [(name: String, data: String)] { received.events.withLock { $0 } }

    func names() -> [String] { events.map(\.name) }

    /// Waits until an event named `name` whose data contains `fragment` has arrived.
    func waitFor(_ name: String, containing fragment: String = "", seconds: Double = 20) async -> Bool {
        await eventually(timeoutSeconds: seconds) { self.events.contains { $0.name == name && (fragment.isEmpty || $0.data.contains(fragment)) } }
    }

    func close() { task.cancel() }
}
