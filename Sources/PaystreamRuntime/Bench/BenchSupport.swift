import AsyncHTTPClient
import EventBus
import Foundation
import LedgerStore
import PaystreamCore
import Logging
import Postgres

/// The payment and transfer families of topics/, renamed under a benchmark prefix.
enum BenchTopics {
    static func declare(prefix: String, partitions: Int, from source: String, into directory: URL) throws -> TopicRegistry {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var declarations: [TopicDeclaration] = []
        for stem in ["payment.callbacks", "transfer.requests"] {
            var d = try JSONDecoder().decode(
                TopicDeclaration.self, from: Data(contentsOf: URL(fileURLWithPath: source).appendingPathComponent("\(stem).json")))
            d.name = "\(prefix).\(stem)"
            d.partitions = partitions
            d.consumerGroup = "\(prefix)-\(d.consumerGroup)"
            declarations.append(d)
            try JSONEncoder().encode(d).write(to: directory.appendingPathComponent("\(stem).json"))
        }
        return try TopicRegistry(declarations: declarations)
    }
}

/// A scratch database for one benchmark run, migrated.
enum BenchDatabase {
    static func create(serverURL: String, name: String, logger: Logger) async throws -> (String, PostgresClient) {
        let admin = PostgresClient(configuration: try PostgresConfiguration(url: serverURL), logger: logger)
        _ = try await admin.execute(PostgresQuery(sql: "CREATE DATABASE \(PostgresQuery.quoteIdentifier(name))", bindings: []))
        await admin.shutdown()
        var components = URLComponents(string: serverURL)!
        components.path = "/" + name
        let url = components.string!
        var configuration = try PostgresConfiguration(url: url)
        configuration.poolSize = 4
        let client = PostgresClient(configuration: configuration, logger: logger)
        _ = try await PostgresMigrator(client: client, logger: logger).migrate(MigrationCatalog.all())
        return (url, client)
    }
}

/// Watches the journal for newly committed entries: an entry becomes visible to this reader when its
/// transaction commits, so the time it is first seen bounds its commit time (within one poll interval).
struct BenchObserver: Sendable {
    let postgres: PostgresClient
    /// The pause after each poll that did not fill its page. Every poll walks the index entries of the batches
    /// still in flight (up to workers x lanes x batches per poll x batch size) and checks each one's heap
    /// tuple, visible or not. Pausing only after empty polls, the observer polled about 70 times a second and
    /// took 2.0 s of the server's time in a 100,000-transfer run of 10 s, a fifth of a core taken from the
    /// worker it measures; pausing 50 ms after every short poll, 170 polls took 44 ms. It adds at most 50 ms
    /// to latencies measured in seconds.
    let pollMilliseconds: UInt64 = 50
    static let pageSize = 5000

    /// How far back (in entry ids) the observer looks, at most, for entries committed after higher ids were
    /// read: more than the entries in flight at once (workers × lanes × batch).
    static let lookBackIDs: Int64 = 100_000

    /// Returns, for each idempotency key starting with `keyPrefix`, when it was first seen committed.
    func observe(expected: Int, keyPrefix: String, timeoutSeconds: Double = 900) async throws -> [String: Double] {
        var seen: [String: Double] = [:]
        var lastID: Int64 = 0
        var ids = EntryIDWatermark()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var lastProgress = Date()
        var lastLookBack = Date()
        while seen.count < expected && Date() < deadline {
            // Pages of 5,000, not more: with a larger limit and the table's statistics lagging behind its growth,
            // this was planned as a sequential scan and sort of the whole journal every 10 ms, so the observer
            // itself took seconds of the server's time per run.
            let rows = try await postgres.query(
                "SELECT entry_id, idempotency_key FROM journal_entries WHERE entry_id > \(lastID) ORDER BY entry_id LIMIT \(Self.pageSize)")
            let now = Date().timeIntervalSince1970
            for row in rows {
                let id = try row.decode(Int64.self, column: "entry_id")
                lastID = max(lastID, id)
                ids.insert(id)
                let key = try row.decode(String.self, column: "idempotency_key")
                if key.hasPrefix(keyPrefix) && seen[key] == nil { seen[key] = now }
            }
            // Entry ids come from a sequence at insert time, but lanes and workers commit in parallel: an
            // entry with a lower id can become visible after a higher one was read. Every second, look back
            // for those, from the lowest id not seen yet (at most `lookBackIDs` back; their time is when they
            // were found, at most a second late). Reading the whole window every time instead cost the
            // benchmark and its PostgreSQL backend about a tenth of the machine.
            if Date().timeIntervalSince(lastLookBack) >= 1 && ids.watermark < lastID {
                let late = try await postgres.query(
                    """
                    SELECT entry_id, idempotency_key FROM journal_entries
                    WHERE entry_id > \(max(ids.watermark, lastID - Self.lookBackIDs)) AND entry_id <= \(lastID)
                    """)
                for row in late {
                    ids.insert(try row.decode(Int64.self, column: "entry_id"))
                    let key = try row.decode(String.self, column: "idempotency_key")
                    if key.hasPrefix(keyPrefix) && seen[key] == nil { seen[key] = Date().timeIntervalSince1970 }
                }
                lastLookBack = Date()
            }
            if Date().timeIntervalSince(lastProgress) >= 2 {
                print("  committed \(seen.count)/\(expected)")
                fflush(nil)
                lastProgress = Date()
            }
            if rows.count < Self.pageSize { try await Task.sleep(nanoseconds: pollMilliseconds * 1_000_000) }
        }
        return seen
    }

    /// When each of `orderIDs` was created (its row's `created_at`), polling until all exist or `timeoutSeconds`
    /// passed; the ones still missing then are left out. Ids are looked up 5,000 at a time.
    static func creationTimes(_ postgres: PostgresClient, orderIDs: [String], timeoutSeconds: Double) async throws -> [String: Date] {
        var found: [String: Date] = [:]
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while found.count < orderIDs.count && Date() < deadline {
            let missing = orderIDs.filter { found[$0] == nil }
            for start in stride(from: 0, to: missing.count, by: 5_000) {
                let chunk = Array(missing[start..<min(start + 5_000, missing.count)])
                for row in try await postgres.query("SELECT order_id, created_at FROM orders WHERE order_id = ANY(\(chunk)::text[])") {
                    found[try row.decode(String.self, column: "order_id")] = try row.decode(Date.self, column: "created_at")
                }
            }
            if found.count < orderIDs.count { try await Task.sleep(for: .milliseconds(200)) }
        }
        return found
    }

    /// Waits until `sql` (a count over the ids bound as `$1`) is 0, or `timeoutSeconds` passed; answers the count
    /// it last read (0 when it got there).
    static func waitUntilNone(_ postgres: PostgresClient, sql: String, ids: [String], timeoutSeconds: Double) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let rows = try await postgres.query(PostgresQuery(sql: sql, bindings: [.textArray(ids)]))
            let left = Int(try rows.first?.decode(Int64.self, at: 0) ?? 0)
            if left == 0 || Date() >= deadline { return left }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The orders' statuses, counted, once none of them is still on its way (`requested`, `approved`, or no order yet:
    /// not applied by the worker) or after `settledWithin` seconds.
    static func statuses(_ postgres: PostgresClient, orderIDs: [String], settledWithin seconds: Double) async throws -> [String: Int] {
        guard !orderIDs.isEmpty else { return [:] }
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            var counts: [String: Int] = [:]
            for row in try await postgres.query("SELECT status, count(*) AS n FROM orders WHERE order_id = ANY(\(orderIDs)::text[]) GROUP BY status") {
                counts[try row.decode(String.self, column: "status")] = Int(try row.decode(Int64.self, column: "n"))
            }
            let open = (counts["requested"] ?? 0) + (counts["approved"] ?? 0) + orderIDs.count - counts.values.reduce(0, +)
            if open == 0 || Date() >= deadline { return counts }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func waitForCount(_ postgres: PostgresClient, sql: String, count: Int, timeoutSeconds: Double) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            let rows = try await postgres.query(PostgresQuery(sql: sql, bindings: []))
            if try rows.first?.decode(Int64.self, at: 0) ?? 0 >= Int64(count) { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw BenchError("timed out waiting for: \(sql) to reach \(count)")
    }
}

/// One request of a benchmark's client: to the API signed as `account` (with its one-time token when the request
/// moves money) and/or as the operator `admin`; to any other URL (the sandbox) as it is.
enum BenchHTTP {
    struct Reply: Sendable {
        let status: Int
        let body: [UInt8]
        /// Milliseconds spent on the request's headers before it was sent: its signature and, for a money-moving
        /// request, its one-time token (long when the client's wallet was empty and it waited for a push).
        var headersMs: Double = 0
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    static func send(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, api: String, _ method: String, _ url: String, _ body: String?,
        as account: AccountID?, admin: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method == "GET" ? .GET : .POST
        let started = ContinuousClock.now
        if url.hasPrefix(api) {
            for (name, value) in try await identities.headers(account: account, admin: admin, method: method, url: url, body: Array((body ?? "").utf8)) {
                request.headers.add(name: name, value: value)
            }
        }
        let headersMs = Double((ContinuousClock.now - started) / .microseconds(1)) / 1000
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body.utf8))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: Array(bytes.readableBytesView), headersMs: headersMs)
    }

    /// A group owned by `owner` with `members` (added 1,000 per request, as the API takes them), for envelopes that
    /// only its members may grab; answers its id. Set-up, not timed.
    static func makeGroup(
        _ client: HTTPClient, _ identities: ProvisionedIdentities, api: String, owner: AccountID, members: [String]
    ) async throws -> String {
        let made = try await send(client, identities, api: api, "POST", api + "/v1/groups", #"{"name":"bench"}"#, as: owner)
        guard made.status == 201, let group = made.json["groupId"] as? String else {
            throw BenchFailure(description: "group refused: \(made.status) \(String(decoding: made.body, as: UTF8.self))")
        }
        for start in stride(from: 0, to: members.count, by: 1_000) {
            let chunk = members[start..<min(start + 1_000, members.count)].map { "\"\($0)\"" }.joined(separator: ",")
            let added = try await send(client, identities, api: api, "POST", api + "/v1/groups/\(group)/members", #"{"members":[\#(chunk)]}"#, as: owner)
            guard added.status == 200 else {
                throw BenchFailure(description: "members refused: \(added.status) \(String(decoding: added.body, as: UTF8.self))")
            }
        }
        return group
    }
}

/// Runs a command-line tool (pgbench, psql, redis-benchmark) to its end and returns what it printed; throws
/// when it exits non-zero. Blocking: call it on a BlockingExecutor.
enum BenchProcess {
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw BenchError("\(tool) \(arguments.joined(separator: " ")) failed:\n\(text)") }
        return text
    }
}

/// The entry ids seen so far, kept as the highest id up to which every id was seen (the watermark) and the
/// ids seen above it. An id below the watermark that was never seen (a rolled-back insert's) holds it back;
/// the observer's look-back is bounded for that case.
struct EntryIDWatermark {
    private(set) var watermark: Int64 = 0
    private var above: Set<Int64> = []

    mutating func insert(_ id: Int64) {
        guard id > watermark else { return }
        above.insert(id)
        while above.remove(watermark + 1) != nil { watermark += 1 }
    }
}
