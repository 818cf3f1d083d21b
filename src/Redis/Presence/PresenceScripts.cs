namespace Resident.Redis.Presence;

/// <summary>
/// The Lua scripts of cluster-wide presence: each call is one script, so a membership and its indexes change together.
/// Keys, all under <c>{prefix}:presence:</c> (ARGV[1] of every script):
/// <list type="bullet">
/// <item><c>instances</c>: sorted set of live presence instances (one per process), scored by lease expiry in Redis's clock;</item>
/// <item><c>instance:{instance}</c>: set of the connection ids that instance recorded (to sweep it when it dies);</item>
/// <item><c>conn:{id}</c>: hash with <c>i</c> (the instance that owns the id now) and <c>u</c> (its user);</item>
/// <item><c>groups:{id}</c>: set of the connection's groups;</item>
/// <item><c>group:{name}</c> and <c>user:{name}</c>: hash of connection id → owning instance.</item>
/// </list>
/// A member counts while its instance's lease runs; listings drop (and delete) members of dead instances, and each
/// heartbeat sweeps a few dead instances' keys. Connection ids start again at 1 when a process restarts, so an id
/// taken by a new instance first purges what the old one left under it. The scripts name their keys from ARGV,
/// which a single Redis (with or without replicas) accepts; Redis Cluster is not supported.
/// </summary>
internal static class PresenceScripts
{
    private const string Prelude = """
        local base = ARGV[1]
        local function now()
          local time = redis.call('TIME')
          return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        end
        local function alive(instance, at)
          local score = redis.call('ZSCORE', base .. 'instances', instance)
          return score and tonumber(score) > at
        end
        local function purge(owner, id)
          local conn = base .. 'conn:' .. id
          if redis.call('HGET', conn, 'i') ~= owner then
            redis.call('SREM', base .. 'instance:' .. owner, id)
            return
          end
          local groups = base .. 'groups:' .. id
          for _, group in ipairs(redis.call('SMEMBERS', groups)) do
            local key = base .. 'group:' .. group
            if redis.call('HGET', key, id) == owner then
              redis.call('HDEL', key, id)
            end
          end
          local user = redis.call('HGET', conn, 'u')
          if user then
            local key = base .. 'user:' .. user
            if redis.call('HGET', key, id) == owner then
              redis.call('HDEL', key, id)
            end
          end
          redis.call('DEL', conn, groups)
          redis.call('SREM', base .. 'instance:' .. owner, id)
        end
        local function claim(instance, id)
          local conn = base .. 'conn:' .. id
          local owner = redis.call('HGET', conn, 'i')
          if owner ~= instance then
            if owner then
              purge(owner, id)
            end
            redis.call('HSET', conn, 'i', instance)
            redis.call('SADD', base .. 'instance:' .. instance, id)
          end
        end
        local function join(instance, id, group)
          redis.call('HSET', base .. 'group:' .. group, id, instance)
          redis.call('SADD', base .. 'groups:' .. id, group)
        end
        local function bind(instance, id, user)
          local conn = base .. 'conn:' .. id
          local old = redis.call('HGET', conn, 'u')
          if old and old ~= user then
            local key = base .. 'user:' .. old
            if redis.call('HGET', key, id) == instance then
              redis.call('HDEL', key, id)
            end
          end
          redis.call('HSET', conn, 'u', user)
          redis.call('HSET', base .. 'user:' .. user, id, instance)
        end
        local function living(key, at)
          local flat = redis.call('HGETALL', key)
          local known = {}
          local result = {}
          for i = 1, #flat, 2 do
            local id, owner = flat[i], flat[i + 1]
            local live = known[owner]
            if live == nil then
              live = alive(owner, at) and true or false
              known[owner] = live
            end
            if live then
              result[#result + 1] = id
            else
              redis.call('HDEL', key, id)
            end
          end
          return result
        end

        """;

    /// <summary>ARGV: base, instance, id, group. 1 when joined; 0 when this instance is not registered (it must resync).</summary>
    public const string Join = Prelude + """
        local instance, id = ARGV[2], ARGV[3]
        if not alive(instance, now()) then
          return 0
        end
        claim(instance, id)
        join(instance, id, ARGV[4])
        return 1
        """;

    /// <summary>ARGV: base, instance, id, group.</summary>
    public const string Leave = Prelude + """
        local instance, id, group = ARGV[2], ARGV[3], ARGV[4]
        if redis.call('HGET', base .. 'conn:' .. id, 'i') ~= instance then
          return 0
        end
        local key = base .. 'group:' .. group
        if redis.call('HGET', key, id) == instance then
          redis.call('HDEL', key, id)
        end
        redis.call('SREM', base .. 'groups:' .. id, group)
        return 1
        """;

    /// <summary>ARGV: base, instance, id, user. 1 when bound; 0 when this instance is not registered.</summary>
    public const string Bind = Prelude + """
        local instance, id = ARGV[2], ARGV[3]
        if not alive(instance, now()) then
          return 0
        end
        claim(instance, id)
        bind(instance, id, ARGV[4])
        return 1
        """;

    /// <summary>ARGV: base, instance, id. Everything the instance recorded for the connection goes.</summary>
    public const string Forget = Prelude + """
        purge(ARGV[2], ARGV[3])
        return 1
        """;

    /// <summary>ARGV: base, instance, id, user ('' for none), groups… Republishes one connection.</summary>
    public const string Restore = Prelude + """
        local instance, id, user = ARGV[2], ARGV[3], ARGV[4]
        claim(instance, id)
        if user ~= '' then
          bind(instance, id, user)
        end
        for i = 5, #ARGV do
          join(instance, id, ARGV[i])
        end
        return 1
        """;

    /// <summary>ARGV: base, group. Flat list: id, user ('' for none), … of the live members.</summary>
    public const string Members = Prelude + """
        local result = {}
        for _, id in ipairs(living(base .. 'group:' .. ARGV[2], now())) do
          result[#result + 1] = id
          result[#result + 1] = redis.call('HGET', base .. 'conn:' .. id, 'u') or ''
        end
        return result
        """;

    /// <summary>ARGV: base, user. The user's live connection ids.</summary>
    public const string ConnectionsOfUser = Prelude + """
        return living(base .. 'user:' .. ARGV[2], now())
        """;

    /// <summary>ARGV: base, id. The connection's groups, if its instance lives.</summary>
    public const string GroupsOf = Prelude + """
        local owner = redis.call('HGET', base .. 'conn:' .. ARGV[2], 'i')
        if not owner or not alive(owner, now()) then
          return {}
        end
        return redis.call('SMEMBERS', base .. 'groups:' .. ARGV[2])
        """;

    /// <summary>
    /// ARGV: base, instance, lease ms. Renews the instance's lease and sweeps up to four dead instances. 1 when the
    /// instance was alive before; 0 when Redis had lost it (restarted, or the lease ran out), so it must resync.
    /// </summary>
    public const string Heartbeat = Prelude + """
        local instance = ARGV[2]
        local at = now()
        local before = alive(instance, at)
        redis.call('ZADD', base .. 'instances', at + tonumber(ARGV[3]), instance)
        for _, dead in ipairs(redis.call('ZRANGEBYSCORE', base .. 'instances', '-inf', at, 'LIMIT', 0, 4)) do
          local set = base .. 'instance:' .. dead
          for _, id in ipairs(redis.call('SMEMBERS', set)) do
            purge(dead, id)
          end
          redis.call('DEL', set)
          redis.call('ZREM', base .. 'instances', dead)
        end
        if before then
          return 1
        end
        return 0
        """;

    /// <summary>ARGV: base, instance, lease ms. Deletes what the instance recorded and registers it afresh (a resync's first step).</summary>
    public const string Register = Prelude + """
        local instance = ARGV[2]
        local set = base .. 'instance:' .. instance
        for _, id in ipairs(redis.call('SMEMBERS', set)) do
          purge(instance, id)
        end
        redis.call('DEL', set)
        redis.call('ZADD', base .. 'instances', now() + tonumber(ARGV[3]), instance)
        return 1
        """;

    /// <summary>ARGV: base, instance. Deletes what the instance recorded and unregisters it (a graceful stop).</summary>
    public const string Retire = Prelude + """
        local instance = ARGV[2]
        local set = base .. 'instance:' .. instance
        for _, id in ipairs(redis.call('SMEMBERS', set)) do
          purge(instance, id)
        end
        redis.call('DEL', set)
        redis.call('ZREM', base .. 'instances', instance)
        return 1
        """;
}
