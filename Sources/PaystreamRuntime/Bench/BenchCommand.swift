import ArgumentParser
import Logging

/// `paystream-bench`: benchmarks that print figures (never timed tests).
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paystream-bench", abstract: "Benchmarks: run the system for real and print figures.",
        subcommands: [Ledger.self, Grabs.self, Mixed.self])

    public init() {}

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Worker throughput and produce-to-commit latency of transfers, with pgbench on the same PostgreSQL.")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "Transfers to produce.") var transfers = 100_000
        @Option(help: "Sender accounts (ignored with --hot).") var accounts = 1_000
        @Flag(help: "Every transfer from one hot account.") var hot = false
        @Option(help: "Worker processes.") var workers = 1
        @Option(help: "Lanes per worker.") var lanes = 4
        @Option(help: "Batch size (the worker's default).") var batchSize = 8_000
        @Option(help: "Batches per poll of each worker.") var batchesPerPoll = 3
        @Option(help: "Partitions of the benchmark topics.") var partitions = 12
        @Option(help: "pgbench transactions per client.") var pgbenchTransactions = 3_000
        @Option(help: "pgbench clients.") var pgbenchClients = 8
        @Option(help: "Write the figures as JSON to this file.") var json: String?

        func run() async throws {
            var configuration = try runtime.resolve()
            if runtime.logLevel == nil { configuration.logLevel = "warning" }
            Observability.bootstrap(configuration)
            var settings = LedgerBenchmark.Settings()
            settings.transfers = transfers
            settings.accounts = accounts
            settings.hotAccount = hot
            settings.workers = workers
            settings.lanes = lanes
            settings.batchSize = batchSize
            settings.batchesPerPoll = batchesPerPoll
            settings.partitions = partitions
            settings.pgbenchTransactionsPerClient = pgbenchTransactions
            settings.pgbenchClients = pgbenchClients
            settings.jsonPath = json
            try await LedgerBenchmark(settings: settings, configuration: configuration, logger: Logger(label: "paystream.bench")).run()
        }
    }

    struct Mixed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The whole system under a realistic mix through the HTTP API, open loop, against a running stack (./deploy/local/demo leaves one).")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "paystream-api base URL.") var api = "http://127.0.0.1:58080"
        @Option(help: "paystream-sim base URL (pays recharges and envelopes).") var sandbox = "http://127.0.0.1:58090"
        @Option(help: "Requests started per second.") var rate = 400
        @Option(help: "Seconds of load.") var seconds = 30
        @Option(help: "Funded users who read, recharge, withdraw (at most 3 a day each, by the risk rules) and send.") var users = 300
        @Option(help: "Weights: grab-hot, grab-cold, balance, orders, recharge, withdraw, send.")
        var mix = "grab-hot=30,grab-cold=25,balance=15,orders=10,recharge=8,withdraw=6,send=6"
        @Option(help: "HTTP connections to the API.") var connections = 256
        @Option(help: "The API's keys file (also PAYSTREAM_KEYS_FILE).") var keysFile: String?
        @Option(help: "Write the figures as JSON to this file (the timeline of lag, CPU and memory included).") var json: String?
        @Option(help: "Seconds between samples of consumer lag, CPU and memory.") var sampleInterval = 2.0
        @Flag(inversion: .prefixedNo, help: "Measure pgbench, redis-benchmark of the grab script and an empty endpoint after the load, for ratios.")
        var baselines = true

        func run() async throws {
            var configuration = try runtime.resolve()
            if runtime.logLevel == nil { configuration.logLevel = "warning" }
            Observability.bootstrap(configuration)
            var settings = MixedBenchmark.Settings()
            settings.api = api
            settings.sandbox = sandbox
            settings.rate = rate
            settings.seconds = seconds
            settings.users = users
            settings.connections = connections
            settings.mix = try MixedBenchmark.Settings.parseMix(mix)
            settings.jsonPath = json
            settings.baselines = baselines
            guard sampleInterval >= 0.5 else { throw ValidationError("--sample-interval is at least 0.5 s") }
            settings.sampleInterval = sampleInterval
            try await MixedBenchmark(
                settings: settings, configuration: configuration, keys: try SecurityKeys.require(path: keysFile),
                logger: Logger(label: "paystream.bench")
            ).run()
        }
    }

    struct Grabs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Red-envelope grabs through the HTTP API, open loop at a set rate, against a running stack (./deploy/local/demo leaves one).")
        @OptionGroup var runtime: RuntimeOptions
        @Option(help: "paystream-api base URL.") var api = "http://127.0.0.1:58080"
        @Option(help: "paystream-sim base URL (pays the envelopes).") var sandbox = "http://127.0.0.1:58090"
        @Option(help: "Grab requests started per second.") var rate = 1_000
        @Option(help: "Seconds of load.") var seconds = 10
        @Option(help: "Envelopes the grabs are spread over (ignored with --hot).") var envelopes = 10
        @Option(help: "Shares per envelope (at most 1000).") var shares = 1_000
        @Flag(help: "Every grab on one envelope.") var hot = false
        @Option(help: "HTTP connections to the API.") var connections = 128
        @Option(help: "The API's keys file (also PAYSTREAM_KEYS_FILE): grabbers get API clients made with it.") var keysFile: String?

        func run() async throws {
            var configuration = try runtime.resolve()
            if runtime.logLevel == nil { configuration.logLevel = "warning" }
            Observability.bootstrap(configuration)
            var settings = GrabBenchmark.Settings()
            settings.api = api
            settings.sandbox = sandbox
            settings.rate = rate
            settings.seconds = seconds
            settings.envelopes = envelopes
            settings.sharesPerEnvelope = shares
            settings.hot = hot
            settings.connections = connections
            try await GrabBenchmark(
                settings: settings, postgresURL: configuration.postgresURL, keys: try SecurityKeys.require(path: keysFile),
                logger: Logger(label: "paystream.bench")
            ).run()
        }
    }
}
