import Foundation

/// Runs blocking work — C library calls that wait on a socket (libpq, hiredis, librdkafka poll and
/// flush) — on a thread of its own, never on Swift's cooperative pool or a NIO event loop.
///
/// Guarantees: work submitted to one executor runs one item at a time, in submission order, on the
/// executor's own thread, so a C handle that is only ever touched through its executor is never used from
/// two threads at once. Each executor owns one thread (not a shared pool's), so a long blocking call or a
/// long-running loop on one executor never delays another's work. The thread ends when the executor is
/// released and its queue is empty.
public final class BlockingExecutor: Sendable {
    private let worker: Worker

    /// - Parameter label: names the thread in debuggers and crash reports.
    public init(label: String) {
        worker = Worker()
        let thread = Thread { [worker] in worker.loop() }
        thread.name = label
        thread.start()
    }

    deinit { worker.finish() }

    /// Runs `body` on the executor's thread and resumes the caller with its result or error.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            worker.submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Queues `job` to run on the executor's thread and returns at once. For callers that resume their waiters
    /// themselves, from the job (a job that resumes several continuations at once, for example).
    public func execute(_ job: @escaping @Sendable () -> Void) {
        worker.submit(job)
    }

    /// Runs `body` on the executor's thread, blocking the calling thread until it finishes.
    /// Only for teardown paths (deinit, close) that cannot suspend; never call it from the executor itself.
    public func runSync<T>(_ body: () throws -> T) rethrows -> T {
        try withoutActuallyEscaping(body) { escapable in
            let box = ResultBox<T>()
            let done = DispatchSemaphore(value: 0)
            worker.submitUnchecked {
                box.result = Result { try escapable() }
                done.signal()
            }
            done.wait()
            return try box.result!.get()
        }
    }

    /// The job queue and its thread's loop.
    private final class Worker: @unchecked Sendable {
        // `jobs` and `finished` are only touched while holding `condition`.
        private let condition = NSCondition()
        private var jobs: [() -> Void] = []
        private var finished = false

        func submit(_ job: @escaping @Sendable () -> Void) { submitUnchecked(job) }

        func submitUnchecked(_ job: @escaping () -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        func finish() {
            condition.lock()
            finished = true
            condition.signal()
            condition.unlock()
        }

        func loop() {
            while true {
                condition.lock()
                while jobs.isEmpty && !finished { condition.wait() }
                if jobs.isEmpty && finished {
                    condition.unlock()
                    return
                }
                let batch = jobs
                jobs.removeAll(keepingCapacity: true)
                condition.unlock()
                for job in batch { job() }
            }
        }
    }

    /// Carries a result out of a job run synchronously.
    private final class ResultBox<T>: @unchecked Sendable {
        // Written by the executor's thread before the semaphore is signalled, read after the wait.
        var result: Result<T, any Error>?
    }
}
