using Microsoft.Extensions.Logging;

namespace Resident.WebSockets;

/// <summary>WebSocket connections and handlers log here; ids 1200–1299 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class WebSocketLog
{
    [LoggerMessage(EventId = 1200, EventName = "WebSocketHandlerFailed", Level = LogLevel.Error, Message = "WebSocket handler {Handler} failed in {Callback} for connection {ConnectionId}; the connection stays open.")]
    public static partial void HandlerFailed(ILogger logger, string handler, string callback, long connectionId, Exception exception);

    [LoggerMessage(EventId = 1201, EventName = "WebSocketSendQueueOverflow", Level = LogLevel.Warning, Message = "WebSocket connection {ConnectionId} reads too slowly: its send queue passed {SendQueueSize} bytes, so it is closed with 1008.")]
    public static partial void Overflow(ILogger logger, long connectionId, int sendQueueSize);

    [LoggerMessage(EventId = 1202, EventName = "WebSocketMessageTooBig", Level = LogLevel.Warning, Message = "WebSocket connection {ConnectionId} sent a message over {MaxMessageSize} bytes, so it is closed with 1009.")]
    public static partial void MessageTooBig(ILogger logger, long connectionId, int maxMessageSize);

    [LoggerMessage(EventId = 1203, EventName = "WebSocketIdleClosed", Level = LogLevel.Information, Message = "WebSocket connection {ConnectionId} sent nothing for {IdleSeconds} s, so it is closed (heartbeat).")]
    public static partial void IdleClosed(ILogger logger, long connectionId, int idleSeconds);

    [LoggerMessage(EventId = 1204, EventName = "WebSocketBroken", Level = LogLevel.Information, Message = "WebSocket connection {ConnectionId} ended without a close handshake: {Reason}")]
    public static partial void Broken(ILogger logger, long connectionId, string reason);

    [LoggerMessage(EventId = 1205, EventName = "WebSocketMeshMessageDropped", Level = LogLevel.Warning, Message = "A WebSocket mesh message from {Peer} ({Length} bytes) was malformed and dropped: {Problem}")]
    public static partial void MeshMessageDropped(ILogger logger, string peer, int length, string problem);

    [LoggerMessage(EventId = 1206, EventName = "WebSocketMeshFailed", Level = LogLevel.Error, Message = "The WebSocket mesh failed {Activity}; the mesh goes on.")]
    public static partial void MeshFailed(ILogger logger, string activity, Exception exception);
}
