import LedgerStore
import Logging
import Metrics
import Postgres
import ServiceLifecycle

/// Watches the outbox from every worker process, whether or not its relay is the active one: every
/// ``interval`` it reads the backlog (``OutboxBacklog``) into two gauges,
/// - `paystream_outbox_unsent_rows` (counted up to ``OutboxBacklog/countCap``),
/// - `paystream_outbox_oldest_unsent_seconds` (0 when nothing waits),
/// and logs an error while the oldest unsent row is older than ``staleAfterSeconds``. An unsent row is never
/// lost (retention keeps it), but its event has not reached its consumers: deploy/monitoring/alerts.yaml
/// pages on the gauge, and the log line says the same to whoever reads the logs.
struct OutboxWatch: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let interval: Duration
    let staleAfterSeconds: Double

    static let unsentGauge = "paystream_outbox_unsent_rows"
    static let oldestGauge = "paystream_outbox_oldest_unsent_seconds"

    func run() async {
        // Made at the first reading, not before: a gauge exists (and is scraped) from its creation, and would read 0,
        // "nothing waits", while a worker that just started has not looked yet (its first query also connects).
        var gauges: (unsent: Gauge, oldest: Gauge)?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let backlog = try await OutboxBacklog.read(from: postgres)
                let ageSeconds = Double(backlog.oldestUnsentMilliseconds ?? 0) / 1000
                let (unsent, oldest) = gauges ?? (Gauge(label: Self.unsentGauge), Gauge(label: Self.oldestGauge))
                gauges = (unsent, oldest)
                unsent.record(backlog.unsentRows)
                oldest.record(ageSeconds)
                if ageSeconds > staleAfterSeconds {
                    logger.error(
                        "outbox rows are not being published",
                        metadata: [
                            "unsentRows": "\(backlog.unsentRows)\(backlog.unsentRows >= OutboxBacklog.countCap ? "+" : "")",
                            "oldestUnsentSeconds": "\(Int(ageSeconds))",
                        ])
                }
            } catch {
                // The dependency probe reports PostgreSQL itself; the gauges keep their last reading.
                logger.warning("outbox backlog not read", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
