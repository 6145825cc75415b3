import Metrics

/// The time one stage of a hot request path takes, on `/metrics` as the histogram
/// `paystream_api_stage_seconds{stage="…"}` (its `_sum` over its `_count` is the stage's mean).
///
/// Why: under load, the answer's latency alone does not say where a request waits (a Redis round trip, the Kafka
/// acknowledgement, the queue in front of the route); the stages' histograms, read before and after a run, do.
/// Each stage's timer is made once (a metrics factory looks its label up under a lock).
public struct StageTimer: Sendable {
    public let name: String
    private let timer: Metrics.Timer

    public init(_ name: String) {
        self.name = name
        self.timer = Metrics.Timer(label: "paystream_api_stage_seconds", dimensions: [("stage", name)])
    }

    /// Runs `body` and records how long it took, whether it returned or threw.
    public func measure<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { record(since: start) }
        return try await body()
    }

    private func record(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
