import RedisClient

/// The lease's server-side steps. Each runs atomically on the node it is sent to.
enum LeaseScripts {
    /// KEYS: lease, term. ARGV: instance id, duration ms.
    /// If nobody holds the lease: INCR term, PSETEX lease duration "<id>:<term>" (SET PX; a command of its own
    /// name, so `INFO commandstats` tells lease writes from configuration writes), return the token.
    /// If we hold it already (an earlier acquisition succeeded on the server but its reply was lost or came
    /// too late), PEXPIRE it and return it, instead of leaving a lease nobody acts on until it expires.
    /// Otherwise return false (nil).
    static let acquire = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder then
          if string.sub(holder, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ':' then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return holder
          end
          return false
        end
        local term = redis.call('INCR', KEYS[2])
        local token = ARGV[1] .. ':' .. term
        redis.call('PSETEX', KEYS[1], ARGV[2], token)
        return token
        """)

    /// KEYS: lease. ARGV: token, duration ms. Compare-and-PEXPIRE: 1 when renewed, 0 when not ours.
    static let renew = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """)

    /// KEYS: lease, released channel. ARGV: token. Compare-and-DEL, then announce on the channel so
    /// followers try at once: 1 when released and announced, 0 when not ours, and the server's error text
    /// when released but the announcement was refused (an ACL user without the channel: a script is not rolled
    /// back, so the DEL stands and only the caller can say that followers were not told).
    static let release = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          local published = redis.pcall('PUBLISH', KEYS[2], ARGV[1])
          if type(published) == 'table' and published.err then
            return published.err
          end
          return 1
        end
        return 0
        """)
}
