import BlockingIO

/// The pool's bookkeeping, kept under one lock by `PostgresClient`. Its methods only change state and return
/// what to do next; resuming waiters and closing connections happen outside the lock.
///
/// Invariants (asserted): `openCount <= capacity`; `idle.count <= openCount`; waiters exist only when no idle
/// connection exists and no more may be opened, so waiters are served strictly first come, first served.
struct ConnectionPoolState {
    /// What a waiting caller receives: an idle connection, or the right to open a new one.
    enum Grant: Sendable {
        case connection(PostgresConnection)
        case openPermit
    }

    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
    }

    /// Something to do once the lock is released.
    enum Action {
        case none
        case resume(CheckedContinuation<Grant, any Error>, Grant)
        case fail(CheckedContinuation<Grant, any Error>, any Error)
        case failAll([CheckedContinuation<Grant, any Error>], any Error, close: [PostgresConnection])
        case close(PostgresConnection)

        /// Runs the side effects. Closing happens on the connections' own executors.
        func run() async {
            switch self {
            case .none: break
            case .resume(let continuation, let grant): continuation.resume(returning: grant)
            case .fail(let continuation, let error): continuation.resume(throwing: error)
            case .failAll(let continuations, let error, let connections):
                continuations.forEach { $0.resume(throwing: error) }
                for connection in connections { await connection.close() }
            case .close(let connection): await connection.close()
            }
        }

        /// Runs an action that only resumes or fails a waiter (from `enqueue` or `removeWaiter`), synchronously.
        func runResume() {
            switch self {
            case .none: break
            case .resume(let continuation, let grant): continuation.resume(returning: grant)
            case .fail(let continuation, let error): continuation.resume(throwing: error)
            case .failAll, .close: preconditionFailure("runResume() used for an action that closes connections")
            }
        }
    }

    enum ImmediateAcquire {
        case use(PostgresConnection)
        case open
        case fail(PostgresError)
        case mustWait(waiterID: UInt64)
    }

    let capacity: Int
    private(set) var idle: [PostgresConnection] = []
    /// Connections open, in use, or being opened.
    private(set) var openCount = 0
    private var waiters: [Waiter] = []
    private(set) var isShutdown = false
    private var nextWaiterID: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "a pool needs at least one connection")
        self.capacity = capacity
    }

    var waiterCount: Int { waiters.count }

    /// The fast path: an idle connection or room to open one, without queueing.
    mutating func acquireImmediately() -> ImmediateAcquire {
        defer { checkInvariants() }
        if isShutdown { return .fail(Self.closedError()) }
        if let connection = idle.popLast() { return .use(connection) }
        if openCount < capacity {
            openCount += 1
            return .open
        }
        nextWaiterID += 1
        return .mustWait(waiterID: nextWaiterID)
    }

    /// Queues a waiter, or answers it at once if the pool changed since `acquireImmediately`, the deadline
    /// passed, or the task was cancelled before it could queue.
    mutating func enqueue(
        id: UInt64, continuation: CheckedContinuation<Grant, any Error>, deadline: Deadline, isCancelled: Bool,
        timeoutMilliseconds: Int
    ) -> Action {
        defer { checkInvariants() }
        if isShutdown { return .fail(continuation, Self.closedError()) }
        if isCancelled { return .fail(continuation, CancellationError()) }
        if let connection = idle.popLast() { return .resume(continuation, .connection(connection)) }
        if openCount < capacity {
            openCount += 1
            return .resume(continuation, .openPermit)
        }
        if deadline.hasPassed { return .fail(continuation, Self.timeoutError(timeoutMilliseconds)) }
        waiters.append(Waiter(id: id, continuation: continuation))
        return .none
    }

    /// Removes a waiter that timed out or was cancelled; nothing if it was already served.
    mutating func removeWaiter(id: UInt64, error: any Error) -> Action {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return .none }
        return .fail(waiters.remove(at: index).continuation, error)
    }

    /// A connection comes back. `reusable` is false when it is broken or could not be reset (it has been
    /// closed by the caller and only frees its slot).
    mutating func release(_ connection: PostgresConnection, reusable: Bool) -> Action {
        defer { checkInvariants() }
        guard reusable else { return slotFreed() }
        if isShutdown {
            openCount -= 1
            return .close(connection)
        }
        if !waiters.isEmpty { return .resume(waiters.removeFirst().continuation, .connection(connection)) }
        idle.append(connection)
        return .none
    }

    /// A slot was freed (a connection failed to open, or was discarded): let the first waiter open a new one.
    mutating func slotFreed() -> Action {
        defer { checkInvariants() }
        openCount -= 1
        if !isShutdown, !waiters.isEmpty {
            openCount += 1
            return .resume(waiters.removeFirst().continuation, .openPermit)
        }
        return .none
    }

    /// Stops the pool: fails every waiter and hands back the idle connections to close.
    mutating func shutdown() -> Action {
        defer { checkInvariants() }
        isShutdown = true
        let closing = idle
        idle = []
        openCount -= closing.count
        let failing = waiters.map(\.continuation)
        waiters = []
        return .failAll(failing, Self.closedError(), close: closing)
    }

    private func checkInvariants() {
        assert(openCount >= 0 && openCount <= capacity, "open connections out of bounds: \(openCount)/\(capacity)")
        assert(idle.count <= openCount, "more idle connections than open ones")
        assert(waiters.isEmpty || (idle.isEmpty && openCount == capacity), "a waiter waits while a connection is free")
    }

    static func closedError() -> PostgresError {
        PostgresError(code: .closed, message: "the PostgreSQL client has been shut down")
    }

    static func timeoutError(_ milliseconds: Int) -> PostgresError {
        PostgresError(
            code: .acquireTimeout,
            message: "no PostgreSQL connection became free within \(milliseconds) ms; the pool is exhausted")
    }
}
