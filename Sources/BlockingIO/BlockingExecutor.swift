import Dispatch

/// Runs blocking work — C library calls that wait on a socket (libpq, hiredis, librdkafka poll and
/// flush) — on a serial dispatch queue of its own, never on Swift's cooperative pool or a NIO event loop.
///
/// Guarantees: work submitted to one executor runs one item at a time, in submission order, so a C handle
/// that is only ever touched through its executor is never used from two threads at once.
public final class BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    /// - Parameter label: names the queue's thread in debuggers and crash reports.
    public init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the executor's queue and resumes the caller with its result or error.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the executor's queue, blocking the calling thread until it finishes.
    /// Only for teardown paths (deinit, close) that cannot suspend; never call it from the queue itself.
    public func runSync<T>(_ body: () throws -> T) rethrows -> T {
        try queue.sync(execute: body)
    }
}
