import BlockingIO
import Logging
import Synchronization

/// One Redis connection shared by every caller, for the short commands of hot request paths (a nonce's
/// `SET NX`, a one-time token's script, an envelope grab): the commands that concurrent callers submit while
/// the connection is busy are written together, as one pipeline, when it is free.
///
/// Why: a pooled call (``RedisClient/send(_:)-([String])``) leases a connection, checks that the server has
/// not closed it while idle and then sends the command, each on the connection's own thread, so every command
/// costs two thread round trips and the pool's bookkeeping. Here a command costs a share of one round trip,
/// and under load one wake-up of the connection's thread serves every command queued meanwhile.
///
/// Guarantees:
/// - Each command is sent once, and its caller gets its own reply: an error reply (`.server`) fails only that
///   command. Commands of one caller keep their order (a caller awaits each before sending the next).
/// - A script the server forgot (NOSCRIPT) is sent again with EVAL, once, as ``RedisClient/evaluate(_:keys:arguments:)``
///   does; it had not run.
/// - **No automatic retries**, as in ``RedisClient``: when the connection fails, every command of the batch in
///   flight fails with `.timeout` or `.io` (it may or may not have been applied). The next batch opens a new
///   connection; if that fails, its commands fail with `.connectionFailed` (nothing was sent).
/// - A connection the server closed while it sat idle (`CLIENT KILL`, a restart, an idle timeout) is noticed
///   before the next batch is written, and replaced without failing anyone.
/// - At most `configuration.maximumWaitingCallers` commands wait for the connection; more are refused at once
///   with `.poolAcquireTimeout`. At most `maximumPipelineLength` commands go in one batch.
/// - Never for blocking commands (BLPOP, WAIT, SUBSCRIBE, …) or for several commands that need one connection
///   (WATCH/MULTI/EXEC): those block or interleave with everybody's. Use ``RedisClient`` for them.
public final class RedisMultiplexer: Sendable {
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let executor: BlockingExecutor
    private let link: Link
    private let configurationError: RedisError?
    private let state = Mutex(State())
    private let scriptReloads = Atomic<Int>(0)
    private let batches = Atomic<Int>(0)
    private let commands = Atomic<Int>(0)

    private struct Command: Sendable {
        var arguments: [[UInt8]]
        /// For EVALSHA: the EVAL form, sent instead when the server answers NOSCRIPT.
        var fallback: [[UInt8]]?
        var continuation: CheckedContinuation<ScriptEvaluation, any Error>
    }

    private struct State {
        var waiting: [Command] = []
        var flushQueued = false
        var isShutDown = false
    }

    /// Creates the multiplexer; the connection opens with the first batch. An invalid configuration makes every
    /// call throw `.invalidArgument`.
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "paystream.redis")) {
        self.configuration = configuration
        self.logger = logger
        self.executor = BlockingExecutor(label: "paystream.redis.mux.\(configuration.host):\(configuration.port)")
        self.link = Link()
        self.configurationError = configuration.validationError
    }

    /// How many times a script was missing on the server (NOSCRIPT) and sent again.
    public var scriptReloadCount: Int { scriptReloads.load(ordering: .relaxed) }

    /// How many batches were written, and how many commands they held (their ratio is the batching achieved).
    public var statistics: (batches: Int, commands: Int) {
        (batches.load(ordering: .relaxed), commands.load(ordering: .relaxed))
    }

    /// Commands submitted and not yet written to the server.
    public var waitingCommands: Int { state.withLock { $0.waiting.count } }

    /// True once ``shutdown()`` was called: later commands are refused with `.closed`.
    public var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Sends one command and returns its reply. Errors as for ``RedisClient/send(_:)-([String])``.
    public func send(_ arguments: [String]) async throws -> RedisValue {
        try await submit(arguments.map { Array($0.utf8) }, fallback: nil).value
    }

    /// Runs `script` by EVALSHA (EVAL if the server forgot it). Errors as for
    /// ``RedisClient/evaluate(_:keys:arguments:)``.
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws -> RedisValue {
        let keysAndArguments = [String(keys.count)] + keys + arguments
        let evaluation = try await submit(
            (["EVALSHA", script.sha1] + keysAndArguments).map { Array($0.utf8) },
            fallback: (["EVAL", script.source] + keysAndArguments).map { Array($0.utf8) })
        if evaluation.reloaded { scriptReloads.add(1, ordering: .relaxed) }
        return evaluation.value
    }

    /// Refuses later commands with `.closed` and closes the connection once the queued ones are answered.
    public func shutdown() async {
        state.withLock { $0.isShutDown = true }
        _ = try? await executor.run { [link] in link.close() }
    }

    // MARK: - Batching

    private func submit(_ arguments: [[UInt8]], fallback: [[UInt8]]?) async throws -> ScriptEvaluation {
        guard !arguments.isEmpty else {
            throw RedisError(code: .invalidArgument, message: "a command needs at least one argument")
        }
        if let configurationError { throw configurationError }
        return try await withCheckedThrowingContinuation { continuation in
            enum Outcome {
                case queued(flush: Bool)
                case refused(RedisError)
            }
            let outcome: Outcome = state.withLock { state in
                if state.isShutDown { return .refused(RedisError(code: .closed, message: "the Redis multiplexer was shut down")) }
                guard state.waiting.count < configuration.maximumWaitingCallers else {
                    return .refused(
                        RedisError(
                            code: .poolAcquireTimeout,
                            message: "\(state.waiting.count) commands already wait for the shared Redis connection (maximumWaitingCallers)"))
                }
                state.waiting.append(Command(arguments: arguments, fallback: fallback, continuation: continuation))
                defer { state.flushQueued = true }
                return .queued(flush: !state.flushQueued)
            }
            switch outcome {
            case .refused(let error): continuation.resume(throwing: error)
            case .queued(let flush): if flush { executor.execute { self.flush() } }
            }
        }
    }

    /// On the connection's thread: writes everything that waits (up to a pipeline's length) as one batch and
    /// answers each caller; queues itself again while more wait.
    private func flush() {
        let (batch, more): ([Command], Bool) = state.withLock { state in
            let count = min(state.waiting.count, configuration.maximumPipelineLength)
            let batch = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            // While more wait, this flush queues the next one; otherwise the next caller does.
            state.flushQueued = !state.waiting.isEmpty
            return (batch, state.flushQueued)
        }
        defer {
            if more {
                executor.execute { self.flush() }
            } else if isShutDown {
                // The last commands queued before shutdown() may be answered after its close (a flush that
                // queued itself again runs after it): close what answering them opened.
                link.close()
            }
        }
        guard !batch.isEmpty else { return }
        let context: HiredisContext
        do {
            context = try link.usable(configuration: configuration, logger: logger)
        } catch {
            for command in batch { command.continuation.resume(throwing: error) }
            return
        }
        batches.add(1, ordering: .relaxed)
        commands.add(batch.count, ordering: .relaxed)
        let results: [Result<RedisValue, RedisError>]
        do {
            results = try context.pipeline(batch.map(\.arguments))
        } catch {
            // Nothing of this batch was answered (out of memory while appending): it may have been sent.
            link.dropIfFailed(logger: logger, configuration: configuration)
            for command in batch { command.continuation.resume(throwing: error) }
            return
        }
        var answers: [Result<ScriptEvaluation, any Error>] = []
        answers.reserveCapacity(batch.count)
        for (command, result) in zip(batch, results) {
            switch result {
            case .failure(let error) where error.serverErrorPrefix == "NOSCRIPT" && command.fallback != nil:
                answers.append(Result { ScriptEvaluation(value: try context.command(command.fallback!), reloaded: true) })
            case .failure(let error):
                answers.append(.failure(error))
            case .success(let value):
                answers.append(.success(ScriptEvaluation(value: value, reloaded: false)))
            }
        }
        link.dropIfFailed(logger: logger, configuration: configuration)
        for (command, answer) in zip(batch, answers) { command.continuation.resume(with: answer) }
    }

    /// The connection itself, touched only on the multiplexer's thread.
    private final class Link: @unchecked Sendable {
        // `@unchecked Sendable`: `context` is read and written only by jobs of the multiplexer's serial
        // executor (flush, shutdown), never from two threads at once.
        private var context: HiredisContext?

        /// The open connection: a new one if there is none, or if the server closed the idle one.
        func usable(configuration: RedisConfiguration, logger: Logger) throws -> HiredisContext {
            if let context, !context.idleSocketHasInput() { return context }
            if context != nil { logger.debug("redis multiplexer: replacing a connection the server closed while idle") }
            close()
            let fresh = HiredisContext()
            try fresh.open(configuration: configuration)
            context = fresh
            return fresh
        }

        /// Closes a connection that failed, so the next batch opens a new one.
        func dropIfFailed(logger: Logger, configuration: RedisConfiguration) {
            guard let context, let failure = context.failure else { return }
            logger.warning("redis connection broken", metadata: ["redis": "\(configuration)", "error": "\(failure)"])
            context.close()
            self.context = nil
        }

        func close() {
            context?.close()
            context = nil
        }
    }
}
