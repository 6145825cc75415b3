import BlockingIO
import Synchronization
import Logging

/// Statements going to the server in one pipeline; valid only inside
/// ``PostgresConnection/withPipeline(caller:_:)``.
public final class PostgresPipeline: Sendable {
    private let connection: LibPQConnection
    private let executor: BlockingExecutor
    /// nil once the pipeline is closed.
    private let progress: Mutex<PipelineProgress?>

    fileprivate init(connection: LibPQConnection, executor: BlockingExecutor, progress: PipelineProgress) {
        self.connection = connection
        self.executor = executor
        self.progress = Mutex(progress)
    }

    /// Encodes `query` and sends it to the server, which starts on it at once; its result comes back from
    /// `withPipeline`. After a failure of this side (a value that cannot be encoded) nothing more is sent.
    public func send(_ query: PostgresQuery) async throws {
        let connection = self.connection
        try await executor.run { () throws -> Void in
            try self.progress.withLock { (progress: inout PipelineProgress?) throws -> Void in
                guard var open = progress else {
                    throw PostgresError(code: .closed, message: "a statement was sent to a pipeline after it ended")
                }
                defer { progress = open }
                try connection.sendPipelined(query, &open)
            }
        }
    }

    fileprivate func close() -> PipelineProgress {
        progress.withLock { progress in
            defer { progress = nil }
            return progress ?? PipelineProgress()
        }
    }
}

/// One connection to PostgreSQL.
///
/// Guarantees: statements on one connection run one at a time, in the order they were called; libpq's
/// blocking calls run on the connection's own thread (a `BlockingExecutor`), never on Swift's cooperative
/// pool. Values are always sent as typed parameters. After `close()` every call throws `.closed`; a connection
/// whose server link broke throws `.connectionFailed` and reports `isUsable == false`.
/// Prefer `PostgresClient`, which pools connections and runs transactions.
public final class PostgresConnection: Sendable {
    private let executor: BlockingExecutor
    // Sendable only by the discipline documented on LibPQConnection: touched solely through `executor`.
    private let connection: LibPQConnection
    public let configuration: PostgresConfiguration
    let logger: Logger

    private init(executor: BlockingExecutor, connection: LibPQConnection, configuration: PostgresConfiguration, logger: Logger) {
        self.executor = executor
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
    }

    /// Opens a connection. Fails with `.connectionFailed`, naming host:port, within
    /// `configuration.connectTimeoutSeconds` (plus scheduling slack) when the server cannot be reached.
    public static func connect(configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let executor = BlockingExecutor(label: "postgres.connection.\(configuration.endpoint)")
        let connection = try await executor.run { () throws(PostgresError) -> LibPQConnection in
            try LibPQConnection.connect(configuration: configuration, logger: logger)
        }
        return PostgresConnection(executor: executor, connection: connection, configuration: configuration, logger: logger)
    }

    /// Runs one statement and returns all its rows.
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        let connection = self.connection
        return try await executor.run { try connection.execute(query) }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs `queries` back to back in one pipeline and returns their results in order: see
    /// ``withPipeline(caller:_:)``.
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [PostgresRows] {
        try await withPipeline { pipeline in
            for query in queries { try await pipeline.send(query) }
        }
    }

    /// Sends statements in one pipeline (libpq pipeline mode) and returns their results in order. Each
    /// ``PostgresPipeline/send(_:)`` encodes a statement and sends it at once, so the server runs it while
    /// `body` builds the next one, and the whole pipeline waits for answers once, after `body` returns.
    ///
    /// On the first failure nothing after it runs, and that failure is thrown (or `body`'s own error, if it
    /// threw). Inside a transaction block (``PostgresClient/withTransaction(isolation:caller:_:)``) the block
    /// is aborted and rolled back with the rest of it; outside one, the pipeline is one implicit transaction that
    /// the failure undoes. Either way every answer is read first, so the connection stays usable. Results of
    /// any size are fine: libpq reads answers while it waits to send.
    public func withPipeline(
        caller: isolated (any Actor)? = #isolation, _ body: (PostgresPipeline) async throws -> Void
    ) async throws -> [PostgresRows] {
        let connection = self.connection
        let progress = try await executor.run { try connection.beginPipeline() }
        let pipeline = PostgresPipeline(connection: connection, executor: executor, progress: progress)
        var bodyError: (any Error)?
        do { try await body(pipeline) } catch { bodyError = error }
        let sent = pipeline.close()
        let results: Result<[PostgresRows], any Error>
        do { results = .success(try await executor.run { try connection.finishPipeline(sent) }) } catch { results = .failure(error) }
        if let bodyError { throw bodyError }
        return try results.get()
    }

    /// Runs a script of one or more statements separated by semicolons, without parameters (for migrations
    /// and schema setup). Statements run in one implicit transaction unless the script itself contains
    /// BEGIN/COMMIT or the connection is already inside a transaction. Never build `sql` from outside input.
    public func simpleQuery(_ sql: String) async throws {
        let connection = self.connection
        _ = try await executor.run { try connection.executeScript(sql) }
    }

    /// Writes `rows` into `table`'s `columns` with COPY FROM STDIN and returns the number of rows copied.
    /// Each row must have one value per column. All rows are copied or, on any error, none.
    public func copyFrom(
        schema: String? = nil, table: String, columns: [String], rows: [[PostgresValue]]
    ) async throws -> Int {
        precondition(!columns.isEmpty, "COPY needs at least one column")
        var target = schema.map { PostgresQuery.quoteIdentifier($0) + "." } ?? ""
        target += PostgresQuery.quoteIdentifier(table)
        let columnList = columns.map(PostgresQuery.quoteIdentifier).joined(separator: ", ")
        let sql = "COPY \(target) (\(columnList)) FROM STDIN"
        try LibPQConnection.checkNoZeroByte(sql, what: "a COPY table or column name")
        let connection = self.connection
        return try await executor.run { try connection.copyIn(sql, columnCount: columns.count, rows: rows) }
    }

    /// The server process id serving this connection (for diagnostics, pg_stat_activity, pg_cancel_backend).
    public func backendPID() async throws -> Int32 {
        let connection = self.connection
        return try await executor.run { connection.backendPID }
    }

    /// True while the connection is open and its server link is intact.
    public func isUsable() async -> Bool {
        let connection = self.connection
        return (try? await executor.run { connection.isUsable }) ?? false
    }

    /// Rolls back a transaction left open; false if the connection must be discarded. Used by the pool.
    func resetForReuse() async -> Bool {
        let connection = self.connection
        return (try? await executor.run { connection.resetForReuse() }) ?? false
    }

    /// Runs one statement, then does what ``resetForReuse()`` does, in one trip to the connection's thread (the
    /// pool's single-statement calls): the statement's outcome, and false if the connection must be discarded.
    func queryThenReset(_ query: PostgresQuery) async -> (rows: Result<PostgresRows, any Error>, reusable: Bool) {
        let connection = self.connection
        let outcome = try? await executor.run { () -> (Result<PostgresRows, any Error>, Bool) in
            let rows = Result<PostgresRows, any Error> { try connection.execute(query) }
            return (rows, connection.resetForReuse())
        }
        return outcome ?? (.failure(PostgresError(code: .closed, message: "the connection's thread is gone")), false)
    }

    /// Closes the connection. Safe to call more than once.
    public func close() async {
        let connection = self.connection
        _ = try? await executor.run { connection.finish() }
    }
}
