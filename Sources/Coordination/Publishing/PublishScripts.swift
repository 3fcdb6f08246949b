import RedisClient

/// The fenced publish step: one Lua script, atomic on the node it runs on.
enum PublishScripts {
    /// KEYS: lease, manifest, published.
    /// ARGV: token, number of sets, number of deletes, number of adoptions, published record ('' to leave it),
    ///       then key/value pairs to set, keys to delete, keys to adopt.
    /// Refuses with `NOTLEADER <holder>` unless the lease holds our token on this node; otherwise applies
    /// everything and returns {sets, deletes, adoptions}.
    static let apply = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder ~= ARGV[1] then
          return redis.error_reply('NOTLEADER the lease is held by ' .. tostring(holder))
        end
        local sets, dels, adopts = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local i = 6
        for _ = 1, sets do
          redis.call('SET', ARGV[i], ARGV[i + 1])
          redis.call('SADD', KEYS[2], ARGV[i])
          i = i + 2
        end
        for _ = 1, dels do
          redis.call('DEL', ARGV[i])
          redis.call('SREM', KEYS[2], ARGV[i])
          i = i + 1
        end
        for _ = 1, adopts do
          redis.call('SADD', KEYS[2], ARGV[i])
          i = i + 1
        end
        if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
        return {sets, dels, adopts}
        """)
}
