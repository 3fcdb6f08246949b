import RedisClient

/// The fenced publish step: one Lua script, atomic on the node it runs on.
enum PublishScripts {
    /// KEYS: lease, manifest, published.
    /// ARGV: token, number of sets, number of deletes, number of adoptions, published record ('' to leave it),
    ///       the record the plan assumes is there ('' when the plan comes from a fresh read), then key/value
    ///       pairs to set, keys to delete, keys to adopt.
    /// Refuses with `NOTLEADER <holder>` unless the lease holds our token on this node, and with `STALE` when
    /// the published record is not the assumed one (the plan was made from a cached view that no longer holds);
    /// otherwise applies everything and returns {sets, deletes, adoptions}.
    static let apply = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder ~= ARGV[1] then
          return redis.error_reply('NOTLEADER the lease is held by ' .. tostring(holder))
        end
        if ARGV[6] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[6] then
          return redis.error_reply('STALE the published record is not the one this plan was made from')
        end
        local sets, dels, adopts = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        -- Batches of up to 500 keys per command (unpack stays far below Lua's stack limit): one MSET and
        -- one SADD per batch instead of two calls per key.
        local function batches(first, count, stride, apply)
          local done = 0
          while done < count do
            local n = math.min(500, count - done)
            apply(first + done * stride, n)
            done = done + n
          end
        end
        local keysOf = function(first, n, stride)
          local keys = {}
          for k = 0, n - 1 do keys[k + 1] = ARGV[first + k * stride] end
          return keys
        end
        local i = 7
        batches(i, sets, 2, function(first, n)
          redis.call('MSET', unpack(ARGV, first, first + 2 * n - 1))
          redis.call('SADD', KEYS[2], unpack(keysOf(first, n, 2)))
        end)
        i = i + 2 * sets
        batches(i, dels, 1, function(first, n)
          redis.call('DEL', unpack(ARGV, first, first + n - 1))
          redis.call('SREM', KEYS[2], unpack(ARGV, first, first + n - 1))
        end)
        i = i + dels
        batches(i, adopts, 1, function(first, n)
          redis.call('SADD', KEYS[2], unpack(ARGV, first, first + n - 1))
        end)
        if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
        return {sets, dels, adopts}
        """)
}
