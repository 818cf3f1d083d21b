using Microsoft.Extensions.Logging;

namespace Resident.Redis.WebSockets;

/// <summary>WebSockets across nodes log here: ids 2120–2139 of the Redis package's block (see <c>RedisLog</c>).</summary>
internal static partial class WebSocketClusterLog
{
    [LoggerMessage(EventId = 2120, EventName = "WebSocketClusterOffline", Level = LogLevel.Warning, Message = "WebSocket messages to other nodes stop: Redis is unreachable ({Failure}). Pushes to their connections return false, and their connections stay listed until their lease ({LeaseSeconds} s) runs out.")]
    public static partial void Offline(ILogger logger, string failure, double leaseSeconds);

    [LoggerMessage(EventId = 2121, EventName = "WebSocketClusterOnline", Level = LogLevel.Information, Message = "WebSocket messages to other nodes flow again; {Dropped} messages for other nodes were dropped while Redis was away. Saying Hello to the other nodes' processes, which send their connections again.")]
    public static partial void Online(ILogger logger, long dropped);

    [LoggerMessage(EventId = 2122, EventName = "WebSocketClusterPeerJoined", Level = LogLevel.Information, Message = "Node {Node} worker {Slot} joined this process's WebSocket directory.")]
    public static partial void PeerJoined(ILogger logger, int node, int slot);

    [LoggerMessage(EventId = 2123, EventName = "WebSocketClusterPeerLeft", Level = LogLevel.Information, Message = "Node {Node} worker {Slot} left the WebSocket directory ({Reason}): its connections are no longer listed here.")]
    public static partial void PeerLeft(ILogger logger, int node, int slot, string reason);

    [LoggerMessage(EventId = 2124, EventName = "WebSocketClusterMessageDropped", Level = LogLevel.Debug, Message = "A WebSocket cluster message from address {Sender} was dropped: {Problem}.")]
    public static partial void MessageDropped(ILogger logger, int sender, string problem);

    [LoggerMessage(EventId = 2125, EventName = "WebSocketClusterBeatFailed", Level = LogLevel.Warning, Message = "The WebSocket cluster could not renew this process's lease or list its peers in Redis: {Reason}")]
    public static partial void BeatFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2127, EventName = "WebSocketClusterJoined", Level = LogLevel.Information, Message = "WebSocket messages to other nodes go through Redis ({Mode} pub/sub, this process on {Channel}, lease {LeaseSeconds} s).")]
    public static partial void Joined(ILogger logger, string mode, string channel, double leaseSeconds);

    [LoggerMessage(EventId = 2126, EventName = "WebSocketClusterFailed", Level = LogLevel.Error, Message = "The WebSocket cluster failed {Activity}; it goes on.")]
    public static partial void Failed(ILogger logger, string activity, Exception exception);
}
