#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Test-only crash points, off unless the environment turns them on. They exist so that tests can kill
/// a worker at the worst moment deterministically; production never sets these variables.
///
/// - `PAYSTREAM_TEST_KILL_AFTER_LEDGER_COMMIT=N`: SIGKILL the process right after the N-th batch's
///   PostgreSQL commit, before its Kafka offsets are committed.
enum FaultInjection {
    private static let killAfterCommit: Int? = ProcessInfo.processInfo.environment["PAYSTREAM_TEST_KILL_AFTER_LEDGER_COMMIT"]
        .flatMap(Int.init)
    private static let counter = Counter()

    static func afterLedgerCommit() {
        guard let limit = killAfterCommit else { return }
        if counter.increment() >= limit {
            FileHandle.standardError.write(Data("FAULT INJECTION: SIGKILL after ledger commit #\(limit)\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }

    private final class Counter: @unchecked Sendable {
        // Guarded by the lock; a class so the static can hold shared mutable state.
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
