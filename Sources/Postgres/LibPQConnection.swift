import BlockingIO
import CLibPQ
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that owns a libpq `PGconn*` and calls libpq; nothing outside this module sees a C type.
///
/// `@unchecked Sendable` is safe because of how it is used, not because of locks: every method is called only
/// from the owning `PostgresConnection`'s `BlockingExecutor`, a serial queue, so the `PGconn` is never touched
/// by two threads at once (libpq allows a connection to move between threads, not concurrent use). The only
/// other access is `deinit`, which runs when no reference (and so no queued work) is left.
final class LibPQConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// "host:port", for messages.
    let endpoint: String
    /// Kept alive as long as the `PGconn` because libpq holds an unretained pointer to it for notices.
    private let noticeSink: NoticeSink
    /// The statements prepared on this connection's server session.
    var statements: PreparedStatementCache

    private init(handle: OpaquePointer, endpoint: String, noticeSink: NoticeSink, statementCacheCapacity: Int) {
        self.handle = handle
        self.endpoint = endpoint
        self.noticeSink = noticeSink
        self.statements = PreparedStatementCache(capacity: statementCacheCapacity)
        PQsetNoticeProcessor(
            handle,
            { context, message in
                guard let context, let message else { return }
                let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
                sink.logger.debug(
                    "postgres notice",
                    metadata: ["message": "\(String(cString: message).trimmingTrailingNewlines())"])
            },
            Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection, failing with `.connectionFailed` naming host:port if it is not established within
    /// `configuration.connectTimeoutSeconds`, whatever the server does (refuse, stay silent, stall in TLS).
    static func connect(configuration: PostgresConfiguration, logger: Logger) throws(PostgresError) -> LibPQConnection {
        let endpoint = configuration.endpoint
        let timeoutSeconds = max(1, configuration.connectTimeoutSeconds)
        let deadline = Deadline.after(milliseconds: timeoutSeconds * 1000)
        let parameters = configuration.libpqParameters
        let keywords = parameters.map { strdup($0.keyword) }
        let values = parameters.map { strdup($0.value) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectStartParams(keywordPointers, valuePointers, 0) else {
            throw PostgresError(code: .connectionFailed, message: "could not connect to \(endpoint): libpq is out of memory")
        }
        func failure(_ reason: String) -> PostgresError {
            let libpqMessage = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines()
            PQfinish(handle)
            let detail = libpqMessage.isEmpty ? reason : "\(reason): \(libpqMessage)"
            return PostgresError(
                code: .connectionFailed,
                message: "could not connect to PostgreSQL at \(endpoint) (database \(configuration.database ?? "default"), user \(configuration.user ?? "default")): \(detail)")
        }
        guard PQstatus(handle) != CONNECTION_BAD else { throw failure("connection failed") }

        // The documented PQconnectPoll loop, with our own deadline over the whole attempt.
        var pollStatus = PGRES_POLLING_WRITING
        while pollStatus != PGRES_POLLING_OK {
            if pollStatus == PGRES_POLLING_FAILED { throw failure("connection failed") }
            let socket = PQsocket(handle)
            guard socket >= 0 else { throw failure("connection has no socket") }
            let events = Int16(pollStatus == PGRES_POLLING_READING ? POLLIN : POLLOUT)
            var ready = false
            while !ready {
                let remainingMilliseconds = deadline.remainingMilliseconds
                guard remainingMilliseconds > 0 else {
                    throw failure("timed out after \(timeoutSeconds) s")
                }
                var descriptor = pollfd(fd: socket, events: events, revents: 0)
                let count = poll(&descriptor, 1, Int32(min(remainingMilliseconds, 1000)))
                if count < 0 && errno != EINTR { throw failure("poll failed with errno \(errno)") }
                ready = count > 0
            }
            pollStatus = PQconnectPoll(handle)
        }
        guard PQstatus(handle) == CONNECTION_OK else { throw failure("connection failed") }
        let connection = LibPQConnection(
            handle: handle, endpoint: endpoint, noticeSink: NoticeSink(logger: logger),
            statementCacheCapacity: configuration.statementCacheCapacity)
        logger.debug("postgres connected", metadata: ["endpoint": "\(endpoint)", "pid": "\(PQbackendPID(handle))"])
        return connection
    }

    /// The open handle, or `.closed`/`.connectionFailed` when it cannot be used.
    func openHandle() throws(PostgresError) -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .closed, message: "the connection to \(endpoint) is closed")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionFailed, message: "the connection to \(endpoint) is broken")
        }
        return handle
    }

    /// True while the connection is open and the server link is intact.
    var isUsable: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Makes the connection safe to hand to another user: rolls back a transaction left open (or failed) by
    /// the previous user. Returns false when the connection should be discarded instead.
    func resetForReuse() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE:
            return true
        case PQTRANS_INTRANS, PQTRANS_INERROR:
            if let result = PQexec(handle, "ROLLBACK") { PQclear(result) }
            return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        default:
            return false  // a command (or COPY) is still in progress, or the state is unknown
        }
    }

    /// The server process id, for diagnostics and tests.
    var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    func finish() {
        if let handle { PQfinish(handle) }
        handle = nil
    }
}

/// Receives libpq notices (e.g. "relation already exists, skipping") and logs them at debug level
/// instead of letting libpq print them to stderr.
final class NoticeSink: Sendable {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return text
    }
}
