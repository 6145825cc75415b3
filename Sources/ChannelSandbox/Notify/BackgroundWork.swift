import Synchronization

/// The sandbox's delayed work (notify deliveries with their retries, refunds and payouts that finish later),
/// run as child tasks of ``run()`` so that nothing outlives the sandbox.
///
/// Guarantees: at most `limit` jobs are queued or running; `submit` refuses more (returns false) instead of
/// growing without bound; when ``run()`` is cancelled, running jobs are cancelled and queued ones dropped.
final class BackgroundWork: Sendable {
    typealias Job = @Sendable () async -> Void

    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let inFlight = Mutex(0)
    let limit: Int

    init(limit: Int = 10_000) {
        precondition(limit > 0)
        self.limit = limit
        (stream, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Queues `job`; false if the limit is reached or the sandbox has stopped.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        let admitted = inFlight.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else { return false }
        if case .enqueued = continuation.yield(job) { return true }
        inFlight.withLock { $0 -= 1 }
        return false
    }

    /// Runs jobs until cancelled. Call once.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in stream {
                group.addTask {
                    await job()
                    self.jobFinished()
                }
            }
            group.cancelAll()
        }
    }

    func finish() { continuation.finish() }

    private func jobFinished() { inFlight.withLock { $0 -= 1 } }
}
