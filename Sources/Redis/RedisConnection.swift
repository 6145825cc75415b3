import BlockingIO
import Logging
import Synchronization

/// One connection to a Redis server, with its own thread for the blocking hiredis calls.
///
/// Guarantees:
/// - Commands on one connection run one at a time, in the order they were submitted; none runs on Swift's
///   cooperative thread pool.
/// - Every call returns or throws within the configured timeouts; a silent server produces `.timeout`.
/// - After a timeout or I/O failure the connection is *broken* (`isBroken`): it never sends again, and every
///   later call throws. `RedisClient` drops broken connections and opens fresh ones.
/// - Cancelling the calling task does not interrupt a command already handed to the connection.
/// - Dropping the last reference closes the socket, as `close()` does.
public final class RedisConnection: @unchecked Sendable {
    // `@unchecked Sendable` is safe because:
    // - `context` (non-Sendable, owns the C pointer) is touched only inside closures run on `executor`, a
    //   serial queue, so never from two threads at once; `deinit` runs when no closure holds `self` any more.
    // - `lifecycle` is atomic; every other stored property is an immutable `Sendable` value.
    private let executor: BlockingExecutor
    private let context = HiredisContext()
    private let lifecycle = Atomic<UInt8>(Lifecycle.open.rawValue)
    private let logger: Logger
    public let configuration: RedisConfiguration

    private enum Lifecycle: UInt8 {
        case open = 0
        case broken = 1
        case closed = 2
    }

    private init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.executor = BlockingExecutor(
            label: "paystream.redis.\(configuration.host):\(configuration.port)")
    }

    /// Connects, then authenticates (`AUTH`), selects the database (`SELECT`) and names the connection
    /// (`CLIENT SETNAME`) as configured.
    /// - Throws: `RedisError` `.invalidArgument` for a bad configuration; `.connectionFailed` if the server
    ///   cannot be reached within `connectTimeoutMilliseconds` or the handshake fails.
    public static func connect(
        configuration: RedisConfiguration, logger: Logger = Logger(label: "paystream.redis")
    ) async throws -> RedisConnection {
        try configuration.validate()
        let connection = RedisConnection(configuration: configuration, logger: logger)
        try await connection.executor.run { try connection.openOnExecutor() }
        logger.debug("redis connection opened", metadata: ["redis": "\(configuration)"])
        return connection
    }

    /// True once a timeout or I/O failure has made the connection unusable, or after `close()`.
    public var isBroken: Bool { lifecycle.load(ordering: .acquiring) != Lifecycle.open.rawValue }

    /// Sends one command (UTF-8 arguments) and returns its reply.
    /// - Throws: `RedisError`: `.server` for an error reply; `.timeout`/`.io` if the connection failed (the
    ///   command may have been applied); `.closed`; `.invalidArgument` for an empty command.
    public func send(_ arguments: [String]) async throws -> RedisValue {
        try await send(arguments.map { Array($0.utf8) })
    }

    /// Sends one command with binary-safe arguments and returns its reply. Errors as for `send(_:[String])`.
    public func send(_ arguments: [[UInt8]]) async throws -> RedisValue {
        guard !arguments.isEmpty else {
            throw RedisError(code: .invalidArgument, message: "a command needs at least one argument")
        }
        return try await perform { context in try context.command(arguments) }
    }

    /// Sends all commands in one write, then reads every reply, in order: one result per command.
    ///
    /// An error reply fails only its own command. If the connection fails midway, the command being read and
    /// all later ones fail with that `.timeout`/`.io` error (their outcome is unknown).
    /// - Throws: only when nothing was sent: `.invalidArgument` (an empty command, or more than
    ///   `maximumPipelineLength` commands), `.closed`, or the error that broke the connection earlier.
    public func pipeline(_ commands: [[String]]) async throws -> [Result<RedisValue, RedisError>] {
        try await pipeline(commands.map { command in command.map { Array($0.utf8) } })
    }

    /// The binary-safe form of `pipeline(_:[[String]])`.
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [Result<RedisValue, RedisError>] {
        guard commands.count <= configuration.maximumPipelineLength else {
            throw RedisError(
                code: .invalidArgument,
                message:
                    "\(commands.count) commands exceed maximumPipelineLength \(configuration.maximumPipelineLength)"
            )
        }
        guard commands.allSatisfy({ !$0.isEmpty }) else {
            throw RedisError(
                code: .invalidArgument, message: "a pipelined command needs at least one argument")
        }
        if commands.isEmpty { return [] }
        return try await perform { context in try context.pipeline(commands) }
    }

    /// Closes the socket. Later calls throw `.closed`. Safe to call more than once.
    public func close() async {
        lifecycle.store(Lifecycle.closed.rawValue, ordering: .releasing)
        _ = try? await executor.run { self.context.close() }
    }

    // MARK: - Internal

    /// Runs `body` on the connection's thread, and marks the connection broken if hiredis failed in it.
    func perform<T: Sendable>(_ body: @escaping @Sendable (HiredisContext) throws -> T) async throws
        -> T
    {
        try await executor.run {
            defer { self.noteFailureIfAny() }
            return try body(self.context)
        }
    }

    /// For the pool, before it hands out an idle connection: false if the server closed it meanwhile (for
    /// example `CLIENT KILL`, a restart, an idle timeout). Nothing is sent.
    func isUsableAfterIdling() async -> Bool {
        guard !isBroken else { return false }
        let hasInput = (try? await executor.run { self.context.idleSocketHasInput() }) ?? true
        return !hasInput
    }

    private func openOnExecutor() throws {
        do {
            try context.open(configuration: configuration)
        } catch {
            lifecycle.store(Lifecycle.closed.rawValue, ordering: .releasing)
            throw error
        }
    }

    private func noteFailureIfAny() {
        guard let failure = context.failure else { return }
        let (exchanged, _) = lifecycle.compareExchange(
            expected: Lifecycle.open.rawValue, desired: Lifecycle.broken.rawValue,
            ordering: .acquiringAndReleasing)
        if exchanged {
            // The socket is useless now; free it at once rather than when the pool drops the connection.
            context.close()
            logger.warning(
                "redis connection broken", metadata: ["redis": "\(configuration)", "error": "\(failure)"])
        }
    }
}
