import BlockingIO
import EventBus
import Foundation
import Kafka
import LedgerStore
import Logging
import PaystreamCore
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// `paystream-bench ledger`: how many transfers per second the worker applies and commits, and how long a
/// transfer takes from produce to committed ledger effect, on this machine, with pgbench on the same
/// PostgreSQL for scale. Everything runs for real: the broker, worker processes, PostgreSQL with fsync.
struct LedgerBenchmark {
    struct Settings {
        var transfers = 100_000
        var accounts = 1_000
        var hotAccount = false
        var workers = 1
        var lanes = 4
        var batchSize = 8_000
        var batchesPerPoll = 3
        var partitions = 12
        var pgbenchTransactionsPerClient = 3_000
        var pgbenchClients = 8
        var jsonPath: String?
    }

    let settings: Settings
    let configuration: PaystreamConfiguration
    let logger: Logger

    func run() async throws {
        let prefix = "bench\(Int(Date().timeIntervalSince1970))"
        let environment = ProcessInfo.processInfo.environment
        print("paystream-bench ledger: \(settings.transfers) transfers from \(settings.hotAccount ? "ONE hot account" : "\(settings.accounts) accounts"), \(settings.workers) worker process(es), \(settings.lanes) lanes, batches of \(settings.batchSize), \(settings.batchesPerPoll) per poll")

        // Topics of two families under a unique prefix.
        let topicsDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(prefix)
        let registry = try BenchTopics.declare(prefix: prefix, partitions: settings.partitions, from: configuration.topicsDirectory, into: topicsDirectory)
        if let port = environment["PAYSTREAM_KAFKA_CONTROL_PORT"].flatMap(Int.init) {
            for spec in registry.allTopics { try EmbeddedBrokerControl.send("CREATE \(spec.name) \(spec.partitions) 3", port: port) }
        } else {
            let admin = try KafkaAdmin(configuration: configuration.kafka(clientID: "paystream-bench"))
            _ = try await admin.createTopics(registry.allTopics)
            await admin.close()
        }

        // A database of its own, migrated, so that verify and counts see only this run.
        let (databaseURL, postgres) = try await BenchDatabase.create(serverURL: configuration.postgresURL, name: prefix, logger: logger)
        let settingsRows = try await postgres.query("SELECT current_setting('fsync') AS f, current_setting('synchronous_commit') AS s")
        let fsync = try settingsRows.first?.decode(String.self, column: "f") ?? "?"
        let syncCommit = try settingsRows.first?.decode(String.self, column: "s") ?? "?"
        print("PostgreSQL fsync=\(fsync) synchronous_commit=\(syncCommit); cores=\(ProcessInfo.processInfo.activeProcessorCount)")

        // The main families only: the gray twins belong to a canary group this benchmark does not run.
        let families = registry.mainFamilies.map(\.name)
        let workerBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("paystream-worker").path
        var workers: [Process] = []
        for n in 0..<settings.workers {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: workerBinary)
            process.arguments = [
                "--topics-dir", topicsDirectory.path, "--pg-url", databaseURL, "--kafka-bootstrap", configuration.kafkaBootstrapServers,
                "--families", families.joined(separator: ","), "--lanes", "\(settings.lanes)", "--batch-size", "\(settings.batchSize)",
                "--batches-per-poll", "\(settings.batchesPerPoll)",
                "--log-level", "warning", "--log-format", "json",
            ]
            let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-worker-\(n).log").path
            FileManager.default.createFile(atPath: logPath, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle(forWritingAtPath: logPath)
            print("worker \(n) log: \(logPath)")
            try process.run()
            workers.append(process)
        }
        defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGTERM) } }

        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(client: configuration.kafka(clientID: "paystream-bench"), lingerMilliseconds: 5),
            logger: logger)
        let senders = settings.hotAccount ? 1 : settings.accounts
        let fundFen: Int64 = 1_000_000_000
        let funding = try (0..<senders).map { i in
            try MoneyEvent(
                payload: .paymentSucceeded(
                    PaymentSucceeded(
                        orderID: "\(prefix)-fund-\(i)", channel: .wechat, channelTransactionID: "wx-\(prefix)-\(i)",
                        amount: Amount(fen: fundFen), payer: AccountID.user("s\(i)"), purpose: .envelope)),
                occurredAt: Date())
        }
        _ = try await producer.sendAll(funding.map { Self.message($0, topic: "\(prefix).payment.callbacks") })
        try await BenchObserver.waitForCount(postgres, sql: "SELECT count(*) FROM journal_entries WHERE kind = 'envelopeFunded'", count: senders, timeoutSeconds: 300)
        print("funded \(senders) sender account(s)")

        // The measured run: produce every transfer, observe each commit.
        let observer = BenchObserver(postgres: postgres)
        let observing = Task { try await observer.observe(expected: settings.transfers, keyPrefix: "transfer:") }
        var sentAt: [String: Double] = [:]
        sentAt.reserveCapacity(settings.transfers)
        let started = Date()
        let chunk = 5_000
        var next = 0
        while next < settings.transfers {
            let end = min(settings.transfers, next + chunk)
            let events = try (next..<end).map { i in
                try MoneyEvent(
                    payload: .transferRequested(
                        TransferRequested(
                            orderID: "\(prefix)-t\(i)", from: AccountID.user("s\(i % senders)"), to: AccountID.user("r\(i % 5_000)"),
                            amount: Amount(fen: Int64(1 + i % 500)))),
                    occurredAt: Date())
            }
            let now = Date().timeIntervalSince1970
            for e in events { sentAt[e.idempotencyKey] = now }
            _ = try await producer.sendAll(events.map { Self.message($0, topic: "\(prefix).transfer.requests") })
            next = end
        }
        let produceSeconds = Date().timeIntervalSince(started)
        let seen = try await observing.value
        let totalSeconds = Date().timeIntervalSince(started)
        await producer.shutdown()

        var latencies: [Double] = []
        latencies.reserveCapacity(seen.count)
        var firstCommit = Double.infinity, lastCommit = 0.0
        for (key, at) in seen {
            guard let sent = sentAt[key] else { continue }
            latencies.append((at - sent) * 1000)
            firstCommit = min(firstCommit, at)
            lastCommit = max(lastCommit, at)
        }
        let p = LatencyHistogram(milliseconds: latencies)
        let throughput = Double(seen.count) / totalSeconds

        let report = try await LedgerVerifier(client: postgres).verify()
        for w in workers where w.isRunning { kill(w.processIdentifier, SIGTERM) }
        // Waiting for processes and running pgbench block: do it on a thread of its own.
        let blocking = BlockingExecutor(label: "paystream.bench.processes")
        let exited = SendableProcesses(workers)
        try await blocking.run { for w in exited.processes { w.waitUntilExit() } }
        await postgres.shutdown()

        fflush(nil)
        print("measuring pgbench TPC-B-like on the same server (\(settings.pgbenchClients) clients x \(settings.pgbenchTransactionsPerClient) transactions)...")
        let serverURL = configuration.postgresURL
        let pgbenchSettings = settings
        let pgbench = try await blocking.run { try PgBench.run(serverURL: serverURL, database: "\(prefix)_pgbench", scale: 10, clients: pgbenchSettings.pgbenchClients, transactionsPerClient: pgbenchSettings.pgbenchTransactionsPerClient) }

        let rows: [(String, String)] = [
            ("transfers applied and committed", "\(seen.count) of \(settings.transfers)"),
            ("produce time", String(format: "%.2f s (%.0f msg/s acknowledged)", produceSeconds, Double(settings.transfers) / produceSeconds)),
            ("wall time, first produce to last commit", String(format: "%.2f s", totalSeconds)),
            ("applied-and-committed throughput", String(format: "%.0f transfers/s", throughput)),
            ("produce -> commit latency p50", String(format: "%.0f ms", p.value(atPercentile: 50))),
            ("produce -> commit latency p99", String(format: "%.0f ms", p.value(atPercentile: 99))),
            ("produce -> commit latency max", String(format: "%.0f ms", p.maxMilliseconds)),
            ("pgbench TPC-B-like", String(format: "%.0f tps", pgbench.tps)),
            ("ratio transfers/s : pgbench tps", String(format: "%.2f x", throughput / pgbench.tps)),
            ("ledger verify", report.isClean ? "clean" : "\(report.totalViolations) VIOLATION(S)"),
        ]
        print("")
        for (name, value) in rows { print(name.padding(toLength: 42, withPad: " ", startingAt: 0) + value) }
        if let jsonPath = settings.jsonPath {
            let object: [String: Any] = [
                "transfers": settings.transfers, "applied": seen.count, "accounts": senders, "workers": settings.workers,
                "lanes": settings.lanes, "batchSize": settings.batchSize, "batchesPerPoll": settings.batchesPerPoll, "throughputPerSecond": throughput,
                "latencyMs": ["p50": p.value(atPercentile: 50), "p99": p.value(atPercentile: 99), "max": p.maxMilliseconds], "pgbenchTps": pgbench.tps,
                "ratio": throughput / pgbench.tps, "ledgerVerifyClean": report.isClean, "fsync": fsync, "synchronousCommit": syncCommit,
            ]
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: jsonPath))
        }
        try? FileManager.default.removeItem(at: topicsDirectory)
        if !report.isClean || seen.count != settings.transfers { throw BenchError("the run did not apply every transfer exactly once with a clean ledger") }
    }

    static func message(_ event: MoneyEvent, topic: String) -> KafkaOutgoingMessage {
        KafkaOutgoingMessage(topic: topic, key: Array(event.payload.orderKey.utf8), value: event.encode())
    }
}

/// Worker processes handed to the blocking executor to wait for; only `waitUntilExit` is called there,
/// after the cooperative side has stopped touching them.
private final class SendableProcesses: @unchecked Sendable {
    let processes: [Process]
    init(_ processes: [Process]) { self.processes = processes }
}
