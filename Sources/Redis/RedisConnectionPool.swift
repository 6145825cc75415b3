import Logging
import Synchronization

/// A bounded set of `RedisConnection`s shared by concurrent callers.
///
/// Invariants (under the lock): `openCount` counts idle, leased and being-opened connections and never
/// exceeds `poolSize`; a waiter exists only while every slot is taken; waiters are served first come, first
/// served. Side effects (resuming callers, opening and closing sockets) happen outside the lock.
final class RedisConnectionPool: Sendable {
    /// What a waiting caller is handed: a connection, or a free slot in which to open one.
    private enum Lease: Sendable {
        case connection(RedisConnection)
        case slot
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Lease, any Error>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var idle: [RedisConnection] = []
        var openCount = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false

        func assertInvariants(poolSize: Int) {
            assert(openCount >= 0 && openCount <= poolSize, "open connections \(openCount) outside 0...\(poolSize)")
            assert(idle.count <= openCount, "more idle connections than open ones")
            assert(
                waiters.isEmpty || (idle.isEmpty && openCount == poolSize) || isShutDown,
                "a caller waits although a connection or slot is free")
        }

        /// Removes the longest-waiting caller and stops its timer. (Linear in the queue, which
        /// `maximumWaitingCallers` bounds.)
        mutating func popFirstWaiter() -> Waiter? {
            guard !waiters.isEmpty else { return nil }
            let waiter = waiters.removeFirst()
            waiter.timer?.cancel()
            return waiter
        }
    }

    private let configuration: RedisConfiguration
    private let logger: Logger
    private let state = Mutex(State())

    init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// A connection for the caller's exclusive use until `release`. Waits (FIFO) up to
    /// `acquireTimeoutMilliseconds` when all `poolSize` connections are leased.
    /// - Throws: `.poolAcquireTimeout`, `.closed` after shutdown, `CancellationError`, or the connect error.
    func acquire() async throws -> RedisConnection {
        switch try await lease() {
        case .connection(let connection):
            if await connection.isUsableAfterIdling() { return connection }
            // Nothing was sent on it, so replacing it is invisible to the caller; the slot stays ours.
            logger.debug("redis pool: replacing a connection the server closed while idle")
            await connection.close()
            return try await openInOwnedSlot()
        case .slot:
            return try await openInOwnedSlot()
        }
    }

    /// Returns a leased connection: kept for the next caller if healthy, closed if broken or after shutdown.
    func release(_ connection: RedisConnection) async {
        enum Action {
            case none
            case handOver(CheckedContinuation<Lease, any Error>, RedisConnection)
            case close(handSlotTo: CheckedContinuation<Lease, any Error>?)
        }
        let action: Action = state.withLock { state in
            defer { state.assertInvariants(poolSize: configuration.poolSize) }
            if connection.isBroken || state.isShutDown {
                state.openCount -= 1
                guard !state.isShutDown, let waiter = state.popFirstWaiter() else {
                    return .close(handSlotTo: nil)
                }
                state.openCount += 1
                return .close(handSlotTo: waiter.continuation)
            }
            if let waiter = state.popFirstWaiter() { return .handOver(waiter.continuation, connection) }
            state.idle.append(connection)
            return .none
        }
        switch action {
        case .none:
            break
        case .handOver(let continuation, let connection):
            continuation.resume(returning: .connection(connection))
        case .close(let continuation):
            continuation?.resume(returning: .slot)
            await connection.close()
        }
    }

    /// Fails every waiting caller with `.closed`, closes idle connections, and makes leased ones close when
    /// released. Later `acquire` calls throw `.closed`.
    func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            let idle = state.idle
            let waiters = state.waiters
            state.openCount -= idle.count
            state.idle = []
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(
                throwing: RedisError(code: .closed, message: "the Redis client was shut down"))
        }
        for connection in idle { await connection.close() }
    }

    // MARK: - Leasing

    private func lease() async throws -> Lease {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<Lease, any Error>) in
                enum Outcome {
                    case leased(Lease)
                    case failed(RedisError)
                    case waiting
                }
                let outcome: Outcome = state.withLock { state in
                    defer { state.assertInvariants(poolSize: configuration.poolSize) }
                    if state.isShutDown {
                        return .failed(RedisError(code: .closed, message: "the Redis client was shut down"))
                    }
                    if let connection = state.idle.popLast() { return .leased(.connection(connection)) }
                    if state.openCount < configuration.poolSize {
                        state.openCount += 1
                        return .leased(.slot)
                    }
                    if state.waiters.count >= configuration.maximumWaitingCallers {
                        return .failed(
                            RedisError(
                                code: .poolAcquireTimeout,
                                message: "\(state.waiters.count) callers already wait for one of "
                                    + "\(configuration.poolSize) Redis connections (maximumWaitingCallers)"))
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: nil))
                    return .waiting
                }
                switch outcome {
                case .leased(let lease):
                    continuation.resume(returning: lease)
                case .failed(let error):
                    continuation.resume(throwing: error)
                case .waiting:
                    startTimer(forWaiter: id)
                    // Cancelled before the waiter was registered: the handler found nothing to remove.
                    if Task.isCancelled { failWaiter(id, with: CancellationError()) }
                }
            }
        } onCancel: {
            failWaiter(id, with: CancellationError())
        }
    }

    private func startTimer(forWaiter id: UInt64) {
        let timeoutMilliseconds = configuration.acquireTimeoutMilliseconds
        let poolSize = configuration.poolSize
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: .milliseconds(timeoutMilliseconds))) != nil else { return }
            self?.failWaiter(
                id,
                with: RedisError(
                    code: .poolAcquireTimeout,
                    message:
                        "no Redis connection became free within \(timeoutMilliseconds) ms (poolSize \(poolSize))"
                ))
        }
        let stillWaiting = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return false }
            state.waiters[index].timer = timer
            return true
        }
        if !stillWaiting { timer.cancel() }
    }

    /// Removes a waiter that is still waiting and fails it; does nothing if it was served meanwhile.
    private func failWaiter(_ id: UInt64, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: error)
    }

    /// Opens a connection in a slot this caller already counts in `openCount`; gives the slot back on failure.
    private func openInOwnedSlot() async throws -> RedisConnection {
        let connection: RedisConnection
        do {
            connection = try await RedisConnection.connect(configuration: configuration, logger: logger)
        } catch {
            giveBackSlot()
            throw error
        }
        let isShutDown = state.withLock { $0.isShutDown }
        if isShutDown {
            await release(connection)
            throw RedisError(code: .closed, message: "the Redis client was shut down")
        }
        return connection
    }

    private func giveBackSlot() {
        let waiter = state.withLock { state -> Waiter? in
            defer { state.assertInvariants(poolSize: configuration.poolSize) }
            state.openCount -= 1
            guard !state.isShutDown, let waiter = state.popFirstWaiter() else { return nil }
            state.openCount += 1
            return waiter
        }
        // The next waiter tries to connect in its own turn (and gets its own error if the server is down).
        waiter?.continuation.resume(returning: .slot)
    }
}
