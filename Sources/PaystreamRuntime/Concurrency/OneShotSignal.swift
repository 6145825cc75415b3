import Synchronization

/// An outcome set once, success or failure, that any number of tasks can wait for: a task that waits before it is
/// set resumes when it is, one that waits after gets it at once. Later calls to set it are ignored.
///
/// Waiting is not cancellable, so whoever owns the signal must set it on every path.
final class OneShotSignal: Sendable {
    private enum State {
        case pending([(id: UInt64, continuation: CheckedContinuation<Void, any Error>)])
        case succeeded
        case failed(any Error)
    }
    private let state = Mutex(State.pending([]))
    private let nextWaiter = Atomic<UInt64>(0)

    /// Thrown by ``wait(atMost:)`` when the signal was not set in time; the signal itself is unchanged.
    struct TimedOut: Error {}

    func succeed() { resolve(.success(())) }

    func fail(_ error: any Error) { resolve(.failure(error)) }

    func wait() async throws { try await wait(atMost: nil) }

    /// As ``wait()``, but throws ``TimedOut`` when the signal is not set within `limit` (nil: no limit).
    func wait(atMost limit: Duration?) async throws {
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let known: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .pending(var waiters):
                    waiters.append((id, continuation))
                    state = .pending(waiters)
                    return nil
                case .succeeded: return .success(())
                case .failed(let error): return .failure(error)
                }
            }
            if let known {
                continuation.resume(with: known)
            } else if let limit {
                Task { [self] in
                    try? await Task.sleep(for: limit)
                    expire(id)
                }
            }
        }
    }

    /// Resumes waiter `id` with ``TimedOut`` if it is still waiting.
    private func expire(_ id: UInt64) {
        let expired: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard case .pending(var waiters) = state, let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = waiters.remove(at: index)
            state = .pending(waiters)
            return waiter.continuation
        }
        expired?.resume(throwing: TimedOut())
    }

    private func resolve(_ outcome: Result<Void, any Error>) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            switch outcome {
            case .success: state = .succeeded
            case .failure(let error): state = .failed(error)
            }
            return waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(with: outcome) }
    }
}
