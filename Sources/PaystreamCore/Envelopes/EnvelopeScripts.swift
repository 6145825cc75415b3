/// The Lua scripts that keep a funded envelope's hot state in Redis, as text: the API runs them (EnvelopeHotState),
/// and `paystream-bench` measures the grab script on its own with redis-benchmark. One copy, so that what is
/// measured is what runs.
///
/// Keys, all under one hash tag so a Redis Cluster keeps them on one node: KEYS[1] `env:{<id>}` (hash: sender,
/// expires_ms, and its audience: receiver or group), KEYS[2] `env:{<id>}:shares` (the shares left, a list of fen), KEYS[3] `env:{<id>}:grabbed`
/// (user → "grabId|fen|ms") and KEYS[4] `env:{<id>}:pending` (grabId → "user|fen|ms"). The grab script also reads
/// KEYS[5], the members of the envelope's group, `grp:{<groupId>}:members` (a set; the empty string is in it from
/// the moment it is loaded, so an empty group is told from one Redis does not hold). That key is in another slot:
/// like the rest of Paystream's Redis use, the script wants one Redis, not a Cluster.
public enum EnvelopeScripts {
    /// ARGV: sender, expires_ms, keys' expiry (ms since the epoch), receiver and group (either may be empty; an
    /// envelope with neither, loaded before audiences were checked, is open to every user), then the shares in
    /// fen. Answers `exists` (and changes nothing) when the envelope is there already, else `loaded`.
    public static let load = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
        redis.call('HSET', KEYS[1], 'sender', ARGV[1], 'expires_ms', ARGV[2])
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'receiver', ARGV[4]) end
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'group', ARGV[5]) end
        for i = 6, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        for i = 1, 2 do redis.call('PEXPIREAT', KEYS[i], ARGV[3]) end
        return 'loaded'
        """

    /// Loads an envelope again after Redis lost it. ARGV: sender, expires_ms, keys' expiry (ms since the epoch),
    /// receiver and group (as for ``load``), the number of shares n, the n shares left in fen, then pairs of a
    /// grabber and its "grabId|fen|ms". Answers `exists` (and changes nothing) when the envelope is there, else
    /// `reloaded`: the shares list replaced, each grabber recorded unless a record of it survived.
    public static let reload = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
        local n = tonumber(ARGV[6])
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[1], 'sender', ARGV[1], 'expires_ms', ARGV[2])
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'receiver', ARGV[4]) end
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'group', ARGV[5]) end
        for i = 7, 6 + n do redis.call('RPUSH', KEYS[2], ARGV[i]) end
        for i = 7 + n, #ARGV - 1, 2 do redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) end
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

    /// ARGV: user, grab id, now (ms since the epoch), the envelope's group as the caller believes it (empty when it
    /// does not know; KEYS[5] must be that group's members). Answers `{'ok', share, sender}`,
    /// `{'already', "grabId|fen|ms"}`, `{'empty'}`, `{'expired'}`, `{'unknown'}`, `{'outsider'}` (the user is not
    /// the receiver, or not a member of the group), `{'group', groupId}` (the caller named another group, or none:
    /// ask again with this one) or `{'members_unknown'}` (Redis does not hold the group's members: load them, ask
    /// again). All at once: the envelope exists, the user is in its audience (asked first, so that an outsider learns
    /// nothing of its state), the envelope has not expired, the user has not
    /// grabbed it, a share is popped and the grab recorded (also as pending until its transfer is committed).
    public static let grab = """
        local meta = redis.call('HMGET', KEYS[1], 'sender', 'expires_ms', 'receiver', 'group')
        if not meta[1] then return {'unknown'} end
        if meta[3] and meta[3] ~= ARGV[1] then return {'outsider'} end
        if meta[4] then
          if meta[4] ~= ARGV[4] then return {'group', meta[4]} end
          if redis.call('EXISTS', KEYS[5]) == 0 then return {'members_unknown'} end
          if redis.call('SISMEMBER', KEYS[5], ARGV[1]) == 0 then return {'outsider'} end
        end
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

    /// Puts a group's members in Redis as read from PostgreSQL. KEYS[1] the members set, KEYS[2] a scratch set of
    /// this loader's own, filled beforehand with the members and the empty string (in as many calls as it took; it
    /// expires should the loader die). The scratch set becomes the members set, without expiry, unless one is there
    /// already (another loader was first, or a change was applied to it since); it is deleted otherwise. Answers 1
    /// when it became the members set.
    public static let groupLoad = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          redis.call('DEL', KEYS[2])
          return 0
        end
        redis.call('RENAME', KEYS[2], KEYS[1])
        redis.call('PERSIST', KEYS[1])
        return 1
        """

    /// Applies a change of membership to a group's members set in Redis if it holds one (one it does not hold is
    /// loaded from PostgreSQL, the truth, when a grab needs it). ARGV: `add` or `remove`, then the members.
    public static let groupChange = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local members = {}
        for i = 2, #ARGV do members[#members + 1] = ARGV[i] end
        if ARGV[1] == 'add' then redis.call('SADD', KEYS[1], unpack(members)) else redis.call('SREM', KEYS[1], unpack(members)) end
        return 1
        """
}
