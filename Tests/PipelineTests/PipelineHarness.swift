import EventBus
import Foundation
import Kafka
import LedgerStore
import PaystreamCore
import Postgres
import TestSupport

/// One isolated Paystream pipeline for one test: its own topic families on the shared embedded broker
/// (unique names, created through the control port), its own migrated database, and real
/// `paystream-worker` processes started against them.
final class PipelineHarness: Sendable {
    let database: PostgresTestDatabase
    let topicsDirectory: URL
    let prefix: String
    let registry: TopicRegistry

    /// Declares `stems` (e.g. "transfer.requests") under a unique prefix, with short retry delays.
    static func make(stems: [String], partitions: Int = 4, retryDelaysMs: [Int] = [200, 400]) async throws -> PipelineHarness {
        let prefix = "p" + TestEnvironment.uniqueName("").replacingOccurrences(of: "-", with: "")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(prefix)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = TestEnvironment.repositoryRoot.appendingPathComponent("topics")
        var declarations: [TopicDeclaration] = []
        for stem in stems {
            var d = try JSONDecoder().decode(TopicDeclaration.self, from: Data(contentsOf: source.appendingPathComponent("\(stem).json")))
            d.name = "\(prefix).\(stem)"
            d.partitions = partitions
            d.consumerGroup = "\(prefix)-\(d.consumerGroup)"
            d.retry = TopicDeclaration.Retry(delaysMs: retryDelaysMs)
            declarations.append(d)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(d).write(to: directory.appendingPathComponent("\(stem).json"))
        }
        let registry = try TopicRegistry(declarations: declarations)
        // The main families' topics only: their gray twins are a canary's, and every topic is a blocking round
        // trip to the broker's control port.
        for spec in registry.topics(grayTwins: false) {
            try KafkaTestCluster.control("CREATE \(spec.name) \(spec.partitions) 3")
        }
        return PipelineHarness(database: try await PostgresTestDatabase.create(), topicsDirectory: directory, prefix: prefix, registry: registry)
    }

    private init(database: PostgresTestDatabase, topicsDirectory: URL, prefix: String, registry: TopicRegistry) {
        self.database = database
        self.topicsDirectory = topicsDirectory
        self.prefix = prefix
        self.registry = registry
    }

    func family(_ stem: String) -> String { "\(prefix).\(stem)" }

    /// The families a main worker consumes: the declared ones, not their gray twins (a canary's).
    var mainFamilies: [String] { registry.mainFamilies.map(\.name) }

    /// Starts a worker process consuming every family of this harness.
    func startWorker(environment: [String: String] = [:], extraArguments: [String] = []) throws -> ManagedProcess {
        try ManagedProcess(
            executable: "paystream-worker",
            arguments: [
                "--topics-dir", topicsDirectory.path, "--pg-url", database.url, "--kafka-bootstrap", try KafkaTestCluster.bootstrap(),
                "--families", mainFamilies.joined(separator: ","), "--log-format", "json", "--log-level", "info",
                "--batch-wait-ms", "20",
            ] + extraArguments,
            environment: environment, name: "worker")
    }

    /// Produces events to `stem`'s main topic, keyed by the order that owns the money.
    func produce(_ events: [MoneyEvent], to stem: String, producer: KafkaProducer) async throws {
        _ = try await producer.sendAll(events.map { event in
            KafkaOutgoingMessage(
                topic: family(stem), key: Array(event.payload.orderKey.utf8), value: event.encode(),
                headers: [KafkaHeader(name: PipelineHeaders.correlationID, string: "test-\(event.idempotencyKey)")])
        })
    }

    /// Every message now on a family's dead-letter topic.
    func deadLetters(_ stem: String) async throws -> [KafkaMessage] {
        try await messages(on: family(stem) + ".dlq")
    }

    /// Every message now on a family's retry topics, the first tier's first.
    func retried(_ stem: String, tiers: Int) async throws -> [KafkaMessage] {
        var all: [KafkaMessage] = []
        for tier in 1...tiers { all += try await messages(on: family(stem) + ".retry.\(tier)") }
        return all
    }

    private func messages(on topic: String) async throws -> [KafkaMessage] {
        let reader = try KafkaTopicReader(configuration: KafkaTestCluster.configuration())
        do {
            let all = try await reader.readAll(topic: topic, timeoutMilliseconds: 15_000)
            await reader.close()
            return all
        } catch {
            await reader.close()
            throw error
        }
    }

    func balance(_ account: String) async throws -> (available: Int64, frozen: Int64) {
        let rows = try await database.client.query("SELECT available_fen, frozen_fen FROM accounts WHERE account_id = \(account)")
        guard let row = rows.first else { return (0, 0) }
        return (try row.decode(Int64.self, column: "available_fen"), try row.decode(Int64.self, column: "frozen_fen"))
    }

    /// An order's status, nil when it does not exist.
    func status(_ orderID: String) async throws -> String? {
        let rows = try await database.client.query("SELECT status FROM orders WHERE order_id = \(orderID)")
        return try rows.first?.decode(String.self, column: "status")
    }

    func count(_ sql: String) async throws -> Int64 {
        let rows = try await database.client.query(PostgresQuery(sql: sql, bindings: []))
        return try rows.first?.decode(Int64.self, at: 0) ?? 0
    }

    func appliedKeys(prefix keyPrefix: String) async throws -> Int64 {
        let rows = try await database.client.query(
            "SELECT count(*) AS n FROM processed_keys WHERE idempotency_key LIKE \(keyPrefix + "%") AND result = 'applied'")
        return try rows.first?.decode(Int64.self, column: "n") ?? 0
    }

    func verify() async throws -> LedgerReport {
        try await LedgerVerifier(client: database.client).verify()
    }

    func close() async {
        await database.close()
        try? FileManager.default.removeItem(at: topicsDirectory)
    }
}
