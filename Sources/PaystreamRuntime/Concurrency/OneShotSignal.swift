import Synchronization

/// An outcome set once, success or failure, that any number of tasks can wait for: a task that waits before it is
/// set resumes when it is, one that waits after gets it at once. Later calls to set it are ignored.
///
/// Waiting is not cancellable, so whoever owns the signal must set it on every path.
final class OneShotSignal: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, any Error>])
        case succeeded
        case failed(any Error)
    }
    private let state = Mutex(State.pending([]))

    func succeed() { resolve(.success(())) }

    func fail(_ error: any Error) { resolve(.failure(error)) }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let known: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                case .succeeded: return .success(())
                case .failed(let error): return .failure(error)
                }
            }
            if let known { continuation.resume(with: known) }
        }
    }

    private func resolve(_ outcome: Result<Void, any Error>) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            switch outcome {
            case .success: state = .succeeded
            case .failure(let error): state = .failed(error)
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: outcome) }
    }
}
