using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Timers;
using StackExchange.Redis;

namespace Resident.Redis.Cron;

/// <summary>
/// Once-per-cluster cron in Redis: each node claims every planned firing of a cluster-scoped job and the one whose
/// claim lands first runs it. One script does it atomically: it refuses a planned time not later than the job's last
/// claimed one (a late or clock-skewed node never runs a firing out of order), sets the firing's key
/// <c>{prefix}:cron:{job}:{plannedUnixMs}</c> with <c>SET NX PX</c> (the lease; the key then expires by itself)
/// and increments the job's fencing counter <c>{prefix}:cron:{job}:fence</c>. The job name is a hash tag
/// (<c>{…}</c>), so a job's keys share one Redis Cluster slot. Failover needs nothing: a dead node just stops
/// claiming, and the next planned firing (within one interval) runs on a live node.
/// </summary>
internal sealed class RedisCronLock(RedisConnection redis, NodeRegistry registry, ILogger<RedisCronLock> logger) : ICronClusterLock
{
    // KEYS: firing, fence, last planned. ARGV: planned unix ms, lease ms, holder, fence seed.
    // Returns the fencing token when granted; -1 when the firing is already claimed; -2 when a later one is.
    // The fence starts at the planned time in microseconds, so it keeps growing after Redis loses its data (a
    // restart without persistence): a job fires at most once a millisecond.
    private const string ClaimScript = """
        local last = redis.call('GET', KEYS[3])
        if last and tonumber(last) >= tonumber(ARGV[1]) then
          if redis.call('EXISTS', KEYS[1]) == 1 then
            return -1
          end
          return -2
        end
        if not redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[2]) then
          return -1
        end
        if redis.call('EXISTS', KEYS[2]) == 0 then
          redis.call('SET', KEYS[2], ARGV[4])
        end
        local token = redis.call('INCR', KEYS[2])
        redis.call('SET', KEYS[3], ARGV[1])
        return token
        """;

    private readonly object _gate = new();
    private bool _failing;
    private long _skippedWhileFailing;

    public bool Shared => true;

    public async ValueTask<CronClaim> TryClaimAsync(string job, DateTimeOffset plannedAt, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            return Skipped(job, plannedAt, "Redis is not connected");
        }

        var planned = plannedAt.ToUnixTimeMilliseconds();
        var tag = "cron:{" + job + "}:";
        RedisResult result;
        try
        {
            result = await redis.Database.ScriptEvaluateAsync(
                ClaimScript,
                [redis.Key(tag + planned.ToString(CultureInfo.InvariantCulture)), redis.Key(tag + "fence"), redis.Key(tag + "last")],
                [planned, (long)Math.Ceiling(lease.TotalMilliseconds), registry.NodeId, checked(planned * 1000)]).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or InvalidOperationException)
        {
            return Skipped(job, plannedAt, exception.Message);
        }

        Answered();
        var token = (long)result;
        if (token < 0)
        {
            return CronClaim.Elsewhere;
        }

        RedisCronLog.FiringClaimed(logger, job, plannedAt, token);
        return new CronClaim(CronClaimOutcome.Granted, token);
    }

    // One warning per outage (a 20 ms job would otherwise log fifty a second); the count comes with the recovery.
    private CronClaim Skipped(string job, DateTimeOffset plannedAt, string reason)
    {
        bool first;
        lock (_gate)
        {
            first = !_failing;
            _failing = true;
            _skippedWhileFailing++;
        }

        if (first)
        {
            RedisCronLog.FiringSkipped(logger, job, plannedAt, reason);
        }

        return CronClaim.Unavailable;
    }

    private void Answered()
    {
        long skipped;
        lock (_gate)
        {
            if (!_failing)
            {
                return;
            }

            (skipped, _failing, _skippedWhileFailing) = (_skippedWhileFailing, false, 0);
        }

        RedisCronLog.ClaimsResumed(logger, skipped);
    }
}

/// <summary>Registers the Redis cron lock in place of the runtime's single-node one.</summary>
internal static class RedisCronFeature
{
    public static void AddCronLock(IServiceCollection services) => services.AddSingleton<ICronClusterLock, RedisCronLock>();
}
