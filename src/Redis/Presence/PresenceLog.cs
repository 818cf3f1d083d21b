using Microsoft.Extensions.Logging;

namespace Resident.Redis.Presence;

/// <summary>Cluster-wide presence's messages: ids 2140–2159 of the Redis package's block.</summary>
internal static partial class PresenceLog
{
    [LoggerMessage(EventId = 2140, EventName = "RedisPresenceUnavailable", Level = LogLevel.Warning, Message = "Presence could not reach Redis ({Reason}): its calls throw PresenceUnavailableException until Redis answers; then this node republishes its connections' groups and users.")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 2141, EventName = "RedisPresenceRepublished", Level = LogLevel.Information, Message = "Presence republished {Connections} connections' groups and users to Redis ({Reason}); {Failed} presence calls failed while it was away.")]
    public static partial void Republished(ILogger logger, int connections, string reason, int failed);

    [LoggerMessage(EventId = 2142, EventName = "RedisPresenceRetireFailed", Level = LogLevel.Debug, Message = "Presence could not remove this process's memberships at stop ({Reason}); they expire with its lease.")]
    public static partial void RetireFailed(ILogger logger, string reason);
}
