import Foundation
import Redis

/// At most ``max`` uses of one key in a window of ``windowSeconds`` (counted from the window's first use), shared by
/// every API process through Redis.
///
/// Guarantees: counted atomically in one script, so concurrent requests cannot pass the limit together; a refused
/// use is not counted, so a caller that waits out the window gets its whole allowance back.
struct WindowLimit: Sendable {
    let redis: RedisClient
    /// The full Redis key counted (the deployment's prefix included).
    let key: String
    let max: Int
    let windowSeconds: Int

    static let count = RedisScript(
        """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used >= tonumber(ARGV[1]) then return math.max(redis.call('TTL', KEYS[1]), 1) end
        if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
        return 0
        """)

    /// Counts one use; nil when allowed, else the seconds until the window ends.
    func claim() async throws -> Int? {
        let wait = try await redis.evaluate(Self.count, keys: [key], arguments: [String(max), String(windowSeconds)])
        let seconds = Int(wait.int64 ?? 0)
        return seconds > 0 ? seconds : nil
    }
}
