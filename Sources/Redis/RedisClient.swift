import Logging
import Synchronization

/// The Redis client for the rest of Paystream: a bounded pool of connections to one server.
///
/// Guarantees:
/// - At most `configuration.poolSize` connections are open at once; connections open on first use.
/// - A caller that finds all connections leased waits, first come first served, for at most
///   `acquireTimeoutMilliseconds`, then gets `.poolAcquireTimeout`; at most `maximumWaitingCallers` wait.
/// - A connection that failed (timeout, I/O error) is dropped and a later call opens a fresh one. A
///   connection the server closed while it sat idle (`CLIENT KILL`, restart, idle timeout) is noticed before
///   use and replaced, so the caller does not see the failure.
/// - **No automatic retries.** A command that failed in flight (`.timeout`, `.io`) may or may not have been
///   applied; replaying a write (INCRBY, a grab script) could apply it twice. The error is thrown, marked
///   `isRetriable`, and the caller — who knows whether its command is idempotent — decides.
///   The one exception is a Lua script the server forgot (NOSCRIPT): it had not run, so `evaluate` sends it
///   again with EVAL, once.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let pool: RedisConnectionPool
    private let configurationError: RedisError?
    private let scriptReloads = Atomic<Int>(0)
    /// One connection shared by every caller, for the short commands of hot paths (see ``RedisMultiplexer``):
    /// concurrent commands are pipelined instead of each leasing a pooled connection.
    public let multiplexed: RedisMultiplexer

    /// Creates the client; no connection is opened until the first command. An invalid configuration makes
    /// every call throw `.invalidArgument`.
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "paystream.redis")) {
        self.configuration = configuration
        self.pool = RedisConnectionPool(configuration: configuration, logger: logger)
        self.multiplexed = RedisMultiplexer(configuration: configuration, logger: logger)
        self.configurationError = configuration.validationError
    }

    /// How many times `evaluate` found a script missing on the server (NOSCRIPT) and sent it again.
    public var scriptReloadCount: Int { scriptReloads.load(ordering: .relaxed) }

    /// Sends one command on a pooled connection. See `RedisConnection.send` for errors, plus
    /// `.poolAcquireTimeout` and `.connectionFailed`.
    public func send(_ arguments: [String]) async throws -> RedisValue {
        try await withConnection { connection in try await connection.send(arguments) }
    }

    /// Sends one command with binary-safe arguments on a pooled connection.
    public func send(_ arguments: [[UInt8]]) async throws -> RedisValue {
        try await withConnection { connection in try await connection.send(arguments) }
    }

    /// Pipelines the commands on one pooled connection. See `RedisConnection.pipeline`.
    public func pipeline(_ commands: [[String]]) async throws -> [Result<RedisValue, RedisError>] {
        try await withConnection { connection in try await connection.pipeline(commands) }
    }

    /// Pipelines binary-safe commands on one pooled connection.
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [Result<RedisValue, RedisError>] {
        try await withConnection { connection in try await connection.pipeline(commands) }
    }

    /// Runs `script` by EVALSHA on a pooled connection, sending its source again (EVAL) if that connection's
    /// server answers NOSCRIPT (counted in `scriptReloadCount`). See `RedisConnection.evaluate`.
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = [])
        async throws
        -> RedisValue
    {
        let evaluation = try await withConnection { connection in
            try await connection.evaluateReportingReload(script, keys: keys, arguments: arguments)
        }
        if evaluation.reloaded { scriptReloads.add(1, ordering: .relaxed) }
        return evaluation.value
    }

    /// Leases one connection for `body` — for several commands that must share a connection (WATCH/MULTI/
    /// EXEC) — and returns it to the pool afterwards, even if `body` throws. `body` must not keep the
    /// connection beyond its return.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (RedisConnection) async throws -> T
    ) async throws -> T {
        if let configurationError { throw configurationError }
        let connection = try await pool.acquire()
        let result: T
        do {
            result = try await body(connection)
        } catch {
            await pool.release(connection)
            throw error
        }
        await pool.release(connection)
        return result
    }

    /// Stops the pool: waiting callers get `.closed`, idle connections close now, leased ones when their
    /// caller is done. Later calls throw `.closed`.
    public func shutdown() async {
        await pool.shutdown()
        await multiplexed.shutdown()
    }
}
