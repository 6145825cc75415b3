/// How a worker process consumes and applies money events.
public struct WorkerSettings: Sendable {
    /// Topic families (main topic names from topics/) this worker consumes.
    public var families: [String]
    /// Most messages in one batch (one PostgreSQL transaction per lane of a batch). Fewer, larger transactions
    /// are 5–14% faster than batches of 2,000 (docs/benchmarks.md); a message that fails unexpectedly costs about
    /// 2 x log2(8,000) = 26 transactions, as the batch is narrowed down by halves.
    public var batchMaxMessages = 8_000
    /// Most batches one poll returns. The batches of a poll are applied one after the other, and each next
    /// batch is decoded while the one before it is written, so that the worker's CPU and PostgreSQL's overlap.
    /// Offsets are committed once all of them are applied.
    public var batchesPerPoll = 3
    /// How long a poll waits to fill a batch.
    public var batchWaitMilliseconds = 20
    /// Most parallel lanes per batch; the partitions of a batch are spread over them, each partition in order,
    /// and partitions whose events name a common account or order share a lane.
    public var lanes = 4
    /// Upper bound of the back-off between in-place retries of a transient failure.
    public var maxBackoffMilliseconds = 5_000
    /// Whether this process also runs the outbox relay (one relay is active per database at a time).
    public var runOutboxRelay = true
    /// Consume the families' retry topics too.
    public var consumeRetryTopics = true
    /// How often this process reads the outbox's backlog into its gauges (``OutboxWatch``); nil turns it off.
    public var outboxWatchInterval: Duration? = .seconds(15)
    /// Age of the oldest unsent outbox row beyond which the watch logs an error.
    public var outboxStaleAfterSeconds = 60.0

    /// The money families of topics/: every family but outbound notifications and diagnostics.
    public static let moneyFamilies = [
        "paystream.payment.callbacks", "paystream.envelope.grabs", "paystream.transfer.requests", "paystream.refunds",
        "paystream.withdrawals",
    ]

    /// The most messages one poll returns.
    public var pollMaxMessages: Int { batchMaxMessages * max(1, batchesPerPoll) }

    public init(families: [String] = WorkerSettings.moneyFamilies) {
        self.families = families
    }
}
