using Microsoft.Extensions.Logging;

namespace Resident.Redis;

/// <summary>
/// The Redis package's connection and node messages, ids 2100–2119 of the package's block (2100–2199; see
/// <c>LogEventIds</c>). The features take their own twenty each: WebSockets 2120–2139, presence 2140–2159, cron
/// 2160–2179, durable tasks 2180–2199.
/// </summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 2100, EventName = "RedisConnectionLost", Level = LogLevel.Warning, Message = "Redis at {EndPoint} is unreachable ({Failure}): pushes to other nodes return false, presence calls throw, cluster cron skips and durable deliveries are refused until it is back. {Detail}")]
    public static partial void ConnectionLost(ILogger logger, string endPoint, string failure, string detail);

    [LoggerMessage(EventId = 2101, EventName = "RedisConnectionRestored", Level = LogLevel.Information, Message = "Redis at {EndPoint} answers again; the cluster features resume.")]
    public static partial void ConnectionRestored(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2102, EventName = "RedisNotConnectedAtStart", Level = LogLevel.Warning, Message = "Redis ({Configuration}) did not answer within {Seconds} s; the server starts without it and keeps trying (Resident:Redis:ConnectTimeout).")]
    public static partial void NotConnectedAtStart(ILogger logger, string configuration, double seconds);

    [LoggerMessage(EventId = 2103, EventName = "RedisNodeJoined", Level = LogLevel.Information, Message = "Node {NodeId} joined the cluster '{Prefix}' as {Instance}; nodes alive: {Nodes}.")]
    public static partial void NodeJoined(ILogger logger, int nodeId, string prefix, string instance, string nodes);

    [LoggerMessage(EventId = 2104, EventName = "RedisNodeIdTaken", Level = LogLevel.Critical, Message = "Resident:NodeId {NodeId} is now held by another node ({Other}); this node stops, since two nodes with one id would steal each other's WebSocket pushes.")]
    public static partial void NodeIdTaken(ILogger logger, int nodeId, string other);

    [LoggerMessage(EventId = 2105, EventName = "RedisHeartbeatFailed", Level = LogLevel.Warning, Message = "The node heartbeat could not reach Redis: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, string reason);
}
