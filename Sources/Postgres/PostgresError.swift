/// An error from the PostgreSQL client: what went wrong (`code`), what the server said (`sqlState`, `message`,
/// `detail`, the constraint and table involved) and where in our code it was thrown.
///
/// Guarantees: every error the `Postgres` module throws is a `PostgresError` (or a `CancellationError` when the
/// caller's task was cancelled while waiting for a connection). `isRetriable` is true only when running the same
/// work again may succeed: serialization failures, deadlocks, lost connections and server shutdowns.
/// The message never contains bound parameter values.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, independent of the server's SQLSTATE.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The connection could not be opened (refused, unreachable, timed out, authentication failed)
        /// or was lost while in use.
        public static let connectionFailed = Code("connectionFailed")
        /// The server rejected a statement; `sqlState` says why.
        public static let queryFailed = Code("queryFailed")
        /// No pooled connection became free within the pool's acquire timeout.
        public static let acquireTimeout = Code("acquireTimeout")
        /// A value could not be sent: a text containing a zero byte, too many parameters, a COPY row of the
        /// wrong width.
        public static let encoding = Code("encoding")
        /// A result value could not be decoded into the requested Swift type.
        public static let decoding = Code("decoding")
        /// libpq or the server answered something this client does not expect.
        public static let protocolViolation = Code("protocolViolation")
        /// The connection or the client was closed.
        public static let closed = Code("closed")
        /// A migration already applied has different SQL now, or the migration list is malformed.
        public static let migrationConflict = Code("migrationConflict")
        /// COMMIT did not commit: the transaction had already failed and the server rolled it back.
        public static let transactionRolledBack = Code("transactionRolledBack")
    }

    public let code: Code
    /// The server's primary message, or this client's explanation.
    public let message: String
    /// The five-character SQLSTATE from the server (PG_DIAG_SQLSTATE), when the server reported one.
    public let sqlState: String?
    public let detail: String?
    public let hint: String?
    public let constraintName: String?
    public let schemaName: String?
    public let tableName: String?
    public let columnName: String?
    /// Where in this module the error was thrown.
    public let file: String
    public let line: UInt

    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraintName: String? = nil, schemaName: String? = nil, tableName: String? = nil,
        columnName: String? = nil, file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraintName = constraintName
        self.schemaName = schemaName
        self.tableName = tableName
        self.columnName = columnName
        self.file = file
        self.line = line
    }

    // SQLSTATE values callers commonly match on (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let checkViolation = "23514"
    public static let notNullViolation = "23502"
    public static let exclusionViolation = "23P01"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let queryCanceled = "57014"
    public static let adminShutdown = "57P01"
    public static let crashShutdown = "57P02"
    public static let cannotConnectNow = "57P03"
    public static let tooManyConnections = "53300"
    public static let undefinedTable = "42P01"

    /// True when retrying the whole unit of work (the transaction, not the single statement) may succeed.
    /// A lost connection during COMMIT leaves the outcome unknown: retry only idempotent work. A prepared
    /// statement outdated by DDL is retriable: the connection has dropped it and prepares it afresh.
    public var isRetriable: Bool {
        if code == .connectionFailed || code == .acquireTimeout || isStaleCachedPlan { return true }
        guard let sqlState else { return false }
        if sqlState.hasPrefix("08") { return true }  // connection exceptions
        return [
            Self.serializationFailure, Self.deadlockDetected, Self.adminShutdown, Self.crashShutdown,
            Self.cannotConnectNow, Self.tooManyConnections,
        ].contains(sqlState)
    }

    public var isUniqueViolation: Bool { sqlState == Self.uniqueViolation }

    /// True when the server or the session cannot do any such work for now, whatever the statement: a read-only
    /// server (a failover's demoted primary: class 25), insufficient resources (53: disk full, out of memory),
    /// operator intervention (57: a statement cancelled or timed out, a shutdown), a lock not available (55P03),
    /// system and internal errors (58, XX). No one row or message causes these: a caller that narrows a failing
    /// batch down to the message at fault must wait and retry instead, or every message is blamed.
    public var isServerCondition: Bool {
        guard code == .queryFailed, let sqlState else { return false }
        return ["25", "53", "57", "58", "XX"].contains(String(sqlState.prefix(2))) || sqlState == "55P03"
    }

    /// PostgreSQL refused to run a prepared statement because a table it reads changed its columns since it
    /// was prepared ("cached plan must not change result type", feature_not_supported).
    var isStaleCachedPlan: Bool {
        sqlState == "0A000" && message.contains("cached plan must not change result type")
    }

    public var description: String {
        var text = "PostgresError.\(code)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let constraintName { text += " (constraint: \(constraintName))" }
        if let tableName { text += " (table: \(schemaName.map { "\($0)." } ?? "")\(tableName))" }
        if let columnName { text += " (column: \(columnName))" }
        text += " at \(file):\(line)"
        return text
    }
}
