/// The Lua scripts that keep a funded envelope's hot state in Redis, as text: the API runs them (EnvelopeHotState),
/// and `paystream-bench` measures the grab script on its own with redis-benchmark. One copy, so that what is
/// measured is what runs.
///
/// Keys, all under one hash tag so a Redis Cluster keeps them on one node: KEYS[1] `env:{<id>}` (hash: sender,
/// expires_ms), KEYS[2] `env:{<id>}:shares` (the shares left, a list of fen), KEYS[3] `env:{<id>}:grabbed`
/// (user → "grabId|fen|ms") and KEYS[4] `env:{<id>}:pending` (grabId → "user|fen|ms").
public enum EnvelopeScripts {
    /// ARGV: sender, expires_ms, keys' expiry (ms since the epoch), then the shares in fen. Answers `exists` (and
    /// changes nothing) when the envelope is there already, else `loaded`.
    public static let load = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
        redis.call('HSET', KEYS[1], 'sender', ARGV[1], 'expires_ms', ARGV[2])
        for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        for i = 1, 2 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
        return 'loaded'
        """

    /// Loads an envelope again after Redis lost it. ARGV: sender, expires_ms, keys' expiry (ms since the epoch), the
    /// number of shares n, the n shares left in fen, then pairs of a grabber and its "grabId|fen|ms". Answers
    /// `exists` (and changes nothing) when the envelope is there, else `reloaded`: the shares list replaced, each
    /// grabber recorded unless a record of it survived.
    public static let reload = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
        local n = tonumber(ARGV[4])
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'sender', ARGV[1], 'expires_ms', ARGV[2])
        for i = 5, 4 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        for i = 5 + n, #ARGV - 1, 2 do redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) end
        for i = 1, 3 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
        return 'reloaded'
        """

    /// Closes an envelope to grabs (its expiry time set to 0, so every later grab answers `expired`) if Redis holds
    /// it; a missing one is left missing (a hash with only an expiry would look like a loaded envelope). Answers 1 when
    /// it closed one.
    public static let close = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('HSET', KEYS[1], 'expires_ms', '0')
          return 1
        end
        return 0
        """

    /// ARGV: user, grab id, now (ms since the epoch). Answers `{'ok', share, sender}`, `{'already', "grabId|fen|ms"}`,
    /// `{'empty'}`, `{'expired'}` or `{'unknown'}`: all at once, the envelope exists and has not expired, the user has
    /// not grabbed it, a share is popped and the grab recorded (also as pending until its transfer is committed).
    public static let grab = """
        local meta = redis.call('HMGET', KEYS[1], 'sender', 'expires_ms')
        if not meta[1] then return {'unknown'} end
        if tonumber(ARGV[3]) >= tonumber(meta[2]) then return {'expired'} end
        local prior = redis.call('HGET', KEYS[3], ARGV[1])
        if prior then return {'already', prior} end
        local share = redis.call('LPOP', KEYS[2])
        if not share then return {'empty'} end
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. '|' .. share .. '|' .. ARGV[3])
        redis.call('HSET', KEYS[4], ARGV[2], ARGV[1] .. '|' .. share .. '|' .. ARGV[3])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then
          redis.call('PEXPIRE', KEYS[3], ttl)
          redis.call('PEXPIRE', KEYS[4], ttl)
        end
        return {'ok', share, meta[1]}
        """
}
