using Microsoft.Extensions.Logging;

namespace Resident.Redis.Cron;

/// <summary>The cluster cron messages, ids 2160–2179 of the Redis package's block (see <see cref="RedisLog"/>).</summary>
internal static partial class RedisCronLog
{
    [LoggerMessage(EventId = 2160, EventName = "RedisCronFiringSkipped", Level = LogLevel.Warning, Message = "Cron job {Name}: the firing planned at {PlannedAt:O} is skipped, since its once-per-cluster claim could not be made ({Reason}). Once-per-cluster firings are skipped (never run on every node) until Redis answers; each is counted in the job's ClaimFailures.")]
    public static partial void FiringSkipped(ILogger logger, string name, DateTimeOffset plannedAt, string reason);

    [LoggerMessage(EventId = 2161, EventName = "RedisCronClaimsResumed", Level = LogLevel.Information, Message = "Once-per-cluster cron claims work again; {Skipped} firing(s) were skipped while Redis was away.")]
    public static partial void ClaimsResumed(ILogger logger, long skipped);

    [LoggerMessage(EventId = 2162, EventName = "RedisCronFiringClaimed", Level = LogLevel.Trace, Message = "Cron job {Name}: this node claimed the firing planned at {PlannedAt:O} (fencing token {FencingToken}).")]
    public static partial void FiringClaimed(ILogger logger, string name, DateTimeOffset plannedAt, long fencingToken);
}
