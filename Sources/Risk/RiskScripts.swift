import Redis

/// The Lua scripts that make each decision atomic. Redis runs a script alone, so no other decision can
/// interleave between reading the counters and incrementing them: that is what keeps 20 concurrent requests
/// from passing a limit of 3.
///
/// No floating-point arithmetic touches counters: limits arrive as `max_before` = limit − increment computed
/// exactly in Swift, the script compares decimal strings digit by digit, and only Redis' 64-bit INCRBY and
/// DECRBY change values. Lua numbers appear only for loop counts and for times (scores of rolling events).
enum RiskScripts {
    /// KEYS: [1] request record (hash), [2] decisions stream, then per counter rule i: [1+2i] counter value,
    /// [2+2i] events (sorted set; rolling windows only).
    /// ARGV: [1] rule count n, [2] now in ms, [3] stream MAXLEN, [4] request record TTL in s, [5] request id,
    /// [6] id of a rule that already refused in Swift (age rule) or "", [7] request fingerprint,
    /// [8] number of stream field strings m; then 8 per rule: id, kind (f|r), measure, limit, max_before,
    /// increment, expiry (f: TTL s; r: TTL ms), cutoff ms (r) or ""; then the m stream strings.
    /// Returns {"new"|"replay", outcome, refusing rule or "", readings, stream entry id, at ms, fingerprint}.
    static let check = RedisScript(
        """
        local request = KEYS[1]
        local stored = redis.call('HMGET', request, 'outcome', 'rule', 'seen', 'entry', 'at', 'fingerprint')
        if stored[1] then
          return {'replay', stored[1], stored[2], stored[3], stored[4], stored[5], stored[6]}
        end
        local function fits(value, maximum)
          if string.byte(maximum, 1) == 45 then return false end
          if string.byte(value, 1) == 45 then return true end
          if #value ~= #maximum then return #value < #maximum end
          for i = 1, #value do
            local a, b = string.byte(value, i), string.byte(maximum, i)
            if a ~= b then return a < b end
          end
          return true
        end
        local n = tonumber(ARGV[1])
        local now = ARGV[2]
        local member = ARGV[5]
        local decided = ARGV[6]
        local seen = {}
        for i = 1, n do
          local a = 8 + (i - 1) * 8
          local value, events = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
          if ARGV[a + 2] == 'r' then
            if redis.call('EXISTS', value) == 0 then
              redis.call('DEL', events)
            else
              local expired = redis.call('ZRANGEBYSCORE', events, '-inf', ARGV[a + 8])
              for _, old in ipairs(expired) do
                redis.call('DECRBY', value, string.match(old, '|(%d+)$'))
              end
              if #expired > 0 then redis.call('ZREMRANGEBYSCORE', events, '-inf', ARGV[a + 8]) end
            end
          end
          local current = redis.call('GET', value) or '0'
          seen[i] = ARGV[a + 1] .. '=' .. ARGV[a + 3] .. ':' .. current .. '/' .. ARGV[a + 4]
          if decided == '' and not fits(current, ARGV[a + 5]) then decided = ARGV[a + 1] end
        end
        local outcome = 'refused'
        if decided == '' then
          outcome = 'allowed'
          for i = 1, n do
            local a = 8 + (i - 1) * 8
            local value, events, increment = KEYS[1 + 2 * i], KEYS[2 + 2 * i], ARGV[a + 6]
            redis.call('INCRBY', value, increment)
            if ARGV[a + 2] == 'r' then
              redis.call('ZADD', events, now, member .. '|' .. increment)
              redis.call('PEXPIRE', value, ARGV[a + 7])
              redis.call('PEXPIRE', events, ARGV[a + 7])
            else
              redis.call('EXPIRE', value, ARGV[a + 7])
            end
          end
        end
        local readings = table.concat(seen, ',')
        local fields = {}
        local m = tonumber(ARGV[8])
        for j = 1, m do fields[j] = ARGV[8 + n * 8 + j] end
        fields[m + 1] = 'outcome'; fields[m + 2] = outcome
        fields[m + 3] = 'rule'; fields[m + 4] = decided
        fields[m + 5] = 'counters'; fields[m + 6] = readings
        local entry = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
        redis.call('HSET', request, 'outcome', outcome, 'rule', decided, 'seen', readings, 'entry', entry,
          'at', now, 'fingerprint', ARGV[7], 'n', outcome == 'allowed' and n or 0)
        if outcome == 'allowed' then
          for i = 1, n do
            local a = 8 + (i - 1) * 8
            redis.call('HSET', request, 'k' .. i, ARGV[a + 2], 'v' .. i, KEYS[1 + 2 * i],
              'e' .. i, KEYS[2 + 2 * i], 'i' .. i, ARGV[a + 6])
          end
        end
        redis.call('EXPIRE', request, ARGV[4])
        return {'new', outcome, decided, readings, entry, now, ARGV[7]}
        """)

    /// KEYS: [1] request record, [2] decisions stream. ARGV: [1] now in ms, [2] stream MAXLEN, [3] request id.
    /// Undoes the increments listed in the request record (a rolling event only if it is still counted, a
    /// calendar counter only if its key still exists), deletes the record so that a retry of the request id
    /// is decided afresh, and records the release in the stream.
    /// The counter keys come from the request record rather than KEYS: fine on one Redis server, not on a
    /// Redis Cluster.
    /// Returns "released", "nothing_reserved" or "unknown".
    static let release = RedisScript(
        """
        local request = KEYS[1]
        local outcome = redis.call('HGET', request, 'outcome')
        if not outcome then return 'unknown' end
        if outcome ~= 'allowed' then return 'nothing_reserved' end
        local n = tonumber(redis.call('HGET', request, 'n'))
        for i = 1, n do
          local got = redis.call('HMGET', request, 'k' .. i, 'v' .. i, 'e' .. i, 'i' .. i)
          local kind, value, events, increment = got[1], got[2], got[3], got[4]
          if kind == 'r' then
            if redis.call('ZREM', events, ARGV[3] .. '|' .. increment) == 1 then
              redis.call('DECRBY', value, increment)
            end
          elseif redis.call('EXISTS', value) == 1 then
            redis.call('DECRBY', value, increment)
          end
        end
        redis.call('DEL', request)
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'request_id', ARGV[3], 'outcome', 'released',
          'at_ms', ARGV[1])
        return 'released'
        """)
}
