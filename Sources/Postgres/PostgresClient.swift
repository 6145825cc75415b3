import BlockingIO
import Logging
import Synchronization

/// A bounded pool of PostgreSQL connections, and transactions over it.
///
/// Guarantees:
/// - At most `configuration.poolSize` connections are ever open at once. Callers beyond that wait, first come
///   first served, up to `configuration.acquireTimeoutMilliseconds`, then fail with `.acquireTimeout`.
/// - A connection goes back to the pool only when it is healthy and outside any transaction (a transaction
///   left open is rolled back); a broken one is closed and its slot reopened on demand.
/// - A task cancelled while waiting fails with `CancellationError` and leaves nothing behind.
/// - `withTransaction` commits only if the body returns, and throws if the server did not commit.
public final class PostgresClient: Sendable {
    /// Transaction isolation levels (PostgreSQL treats READ UNCOMMITTED as READ COMMITTED).
    public enum IsolationLevel: Sendable {
        case readCommitted
        case repeatableRead
        case serializable

        var sql: String {
            switch self {
            case .readCommitted: return "READ COMMITTED"
            case .repeatableRead: return "REPEATABLE READ"
            case .serializable: return "SERIALIZABLE"
            }
        }
    }

    /// A snapshot of the pool for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        /// Connections open, in use or being opened.
        public let openConnections: Int
        public let idleConnections: Int
        public let waitingCallers: Int

        public init(openConnections: Int, idleConnections: Int, waitingCallers: Int) {
            self.openConnections = openConnections
            self.idleConnections = idleConnections
            self.waitingCallers = waitingCallers
        }
    }

    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let state: Mutex<ConnectionPoolState>

    /// Creates the pool; no connection is opened until the first use.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        precondition(configuration.poolSize >= 1, "poolSize must be at least 1")
        precondition(configuration.acquireTimeoutMilliseconds >= 0, "acquireTimeoutMilliseconds must not be negative")
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(ConnectionPoolState(capacity: configuration.poolSize))
    }

    public func statistics() -> Statistics {
        state.withLock {
            Statistics(openConnections: $0.openCount, idleConnections: $0.idle.count, waitingCallers: $0.waiterCount)
        }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever `body` does.
    public func withConnection<T>(
        caller: isolated (any Actor)? = #isolation, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        let result: T
        do {
            result = try await body(connection)
        } catch {
            await release(connection)
            throw error
        }
        await release(connection)
        return result
    }

    /// Runs `body` in one transaction: BEGIN, then COMMIT if `body` returns, ROLLBACK if it throws (the
    /// original error is rethrown). Throws `.transactionRolledBack` if the server answered COMMIT with a
    /// rollback because a statement inside had failed. If the connection is lost during COMMIT the outcome is
    /// unknown and the error is `.connectionFailed`: make the work idempotent before retrying it.
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted, caller: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(caller: caller) { connection in
            try await connection.execute(PostgresQuery(sql: "BEGIN ISOLATION LEVEL \(isolation.sql)"))
            let result: T
            do {
                result = try await body(connection)
            } catch {
                do {
                    try await connection.execute("ROLLBACK")
                } catch let rollbackError {
                    // The pool discards the connection if it is still inside the transaction.
                    logger.warning("postgres rollback failed", metadata: ["error": "\(rollbackError)"])
                }
                throw error
            }
            let commit = try await connection.query("COMMIT")
            guard commit.commandTag == "COMMIT" else {
                throw PostgresError(
                    code: .transactionRolledBack,
                    message: "COMMIT answered \"\(commit.commandTag)\": an earlier statement in the transaction failed and nothing was committed")
            }
            return result
        }
    }

    /// Runs one statement on a pooled connection and returns its rows. The statement and the connection's
    /// reset for the next user take one trip to the connection's thread, not two.
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        let connection = try await acquire()
        let (rows, reusable) = await connection.queryThenReset(query)
        await release(connection, reusable: reusable)
        return try rows.get()
    }

    /// Runs one statement on a pooled connection and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Closes idle connections and fails waiting callers with `.closed`; connections in use are closed when
    /// they come back. Later calls fail with `.closed`.
    public func shutdown() async {
        await state.withLock { $0.shutdown() }.run()
    }

    // MARK: acquiring and releasing

    private func acquire() async throws -> PostgresConnection {
        let waiterID: UInt64
        switch state.withLock({ $0.acquireImmediately() }) {
        case .use(let connection): return connection
        case .open: return try await openConnection()
        case .fail(let error): throw error
        case .mustWait(let id): waiterID = id
        }

        let timeoutMilliseconds = configuration.acquireTimeoutMilliseconds
        let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
        let timer = Task { [weak self] in
            while !deadline.hasPassed {
                let nanoseconds = UInt64(max(1, deadline.remainingMilliseconds)) * 1_000_000
                guard (try? await Task.sleep(nanoseconds: nanoseconds)) != nil else { return }  // cancelled: served
            }
            guard let self else { return }
            let error = ConnectionPoolState.timeoutError(timeoutMilliseconds)
            self.state.withLock { $0.removeWaiter(id: waiterID, error: error) }.runResume()
        }
        defer { timer.cancel() }

        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ConnectionPoolState.Grant, any Error>) in
                let action = state.withLock {
                    $0.enqueue(
                        id: waiterID, continuation: continuation, deadline: deadline, isCancelled: Task.isCancelled,
                        timeoutMilliseconds: timeoutMilliseconds)
                }
                action.runResume()
            }
        } onCancel: {
            let action = state.withLock { $0.removeWaiter(id: waiterID, error: CancellationError()) }
            action.runResume()
        }
        switch grant {
        case .connection(let connection): return connection
        case .openPermit: return try await openConnection()
        }
    }

    /// Opens a connection in a slot already counted as open; frees the slot if opening fails.
    private func openConnection() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(configuration: configuration, logger: logger)
        } catch {
            logger.warning("postgres connect failed", metadata: ["error": "\(error)"])
            await state.withLock { $0.slotFreed() }.run()
            throw error
        }
    }

    private func release(_ connection: PostgresConnection) async {
        await release(connection, reusable: await connection.resetForReuse())
    }

    /// Takes back a connection already reset for reuse (`reusable`) or to be discarded.
    private func release(_ connection: PostgresConnection, reusable: Bool) async {
        if !reusable {
            logger.info("postgres connection discarded", metadata: ["endpoint": "\(configuration.endpoint)"])
            await connection.close()
        }
        await state.withLock { $0.release(connection, reusable: reusable) }.run()
    }
}
