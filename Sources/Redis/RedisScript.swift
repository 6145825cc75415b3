/// A Lua script run with EVALSHA, named by the SHA-1 of its source.
///
/// Guarantees: `sha1` is computed locally (pure Swift, no round trip) and equals what `SCRIPT LOAD` returns
/// for `source`; `RedisClient.evaluate` and `RedisConnection.evaluate` send the source again, transparently,
/// whenever the server has forgotten the script (restart, failover, `SCRIPT FLUSH`), and run it exactly once.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source, sent to the server only when it answers NOSCRIPT.
    public let source: String
    /// 40 lowercase hex digits.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}

/// What one evaluation did, for the client's reload counter.
struct ScriptEvaluation: Sendable {
    let value: RedisValue
    /// True when the server answered NOSCRIPT and the script was sent again with EVAL.
    let reloaded: Bool
}

extension RedisConnection {
    /// Runs `script` with EVALSHA. If the server answers NOSCRIPT, runs it once more with EVAL, which also
    /// puts it back in the server's script cache. This retry is safe: a NOSCRIPT reply means the script did
    /// not run. EVAL (rather than SCRIPT LOAD then EVALSHA) leaves no window in which another client's
    /// `SCRIPT FLUSH` could make the retry fail too.
    /// - Throws: `RedisError` `.server` for an error the script raised; connection errors as for `send`.
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws
        -> RedisValue
    {
        try await evaluateReportingReload(script, keys: keys, arguments: arguments).value
    }

    func evaluateReportingReload(_ script: RedisScript, keys: [String], arguments: [String]) async throws
        -> ScriptEvaluation
    {
        let keysAndArguments = [String(keys.count)] + keys + arguments
        let evalsha = (["EVALSHA", script.sha1] + keysAndArguments).map { Array($0.utf8) }
        let eval = (["EVAL", script.source] + keysAndArguments).map { Array($0.utf8) }
        return try await perform { context in
            do {
                return ScriptEvaluation(value: try context.command(evalsha), reloaded: false)
            } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
                return ScriptEvaluation(value: try context.command(eval), reloaded: true)
            }
        }
    }
}
