using Microsoft.Extensions.Logging;

namespace Resident.Sockets;

/// <summary>The extra TCP/UDP/Unix ports log here; ids 1700–1799 (see <see cref="Hosting.LogEventIds"/>).</summary>
internal static partial class SocketLog
{
    [LoggerMessage(EventId = 1700, EventName = "PortListening", Level = LogLevel.Information, Message = "Port {Port} ({Type}) listens on {EndPoint}, served by {Handler}.")]
    public static partial void Listening(ILogger logger, string port, PortType type, string endPoint, string handler);

    [LoggerMessage(EventId = 1701, EventName = "PortStaleSocketReplaced", Level = LogLevel.Information, Message = "Port {Port}: replaced the stale Unix socket file {Path} left by an earlier run.")]
    public static partial void StaleSocketReplaced(ILogger logger, string port, string path);

    [LoggerMessage(EventId = 1710, EventName = "TcpFramingViolated", Level = LogLevel.Warning, Message = "Port {Port}: connection {ConnectionId} closed: {Violation}.")]
    public static partial void FramingViolated(ILogger logger, string port, long connectionId, string violation);

    [LoggerMessage(EventId = 1711, EventName = "TcpHandlerFailed", Level = LogLevel.Error, Message = "Port {Port}: {Callback} failed for connection {ConnectionId} ({Remote}); the connection stays open.")]
    public static partial void TcpHandlerFailed(ILogger logger, string port, string callback, long connectionId, string remote, Exception exception);

    [LoggerMessage(EventId = 1712, EventName = "TcpAcceptFailed", Level = LogLevel.Error, Message = "Port {Port}: accepting a connection failed.")]
    public static partial void AcceptFailed(ILogger logger, string port, Exception exception);

    [LoggerMessage(EventId = 1713, EventName = "TcpBufferNotificationFailed", Level = LogLevel.Error, Message = "Port {Port}: a buffer notification failed for connection {ConnectionId}.")]
    public static partial void BufferNotificationFailed(ILogger logger, string port, long connectionId, Exception exception);

    [LoggerMessage(EventId = 1720, EventName = "UdpDatagramOversized", Level = LogLevel.Warning, Message = "Port {Port}: dropped a datagram of {Length} bytes from {Remote}, over PackageMaxLength ({MaxLength}).")]
    public static partial void Oversized(ILogger logger, string port, int length, int maxLength, string remote);

    [LoggerMessage(EventId = 1721, EventName = "UdpHandlerFailed", Level = LogLevel.Error, Message = "Port {Port}: OnPacket failed for a datagram from {Remote}; the port goes on.")]
    public static partial void UdpHandlerFailed(ILogger logger, string port, string remote, Exception exception);

    [LoggerMessage(EventId = 1722, EventName = "UdpReceiveFailed", Level = LogLevel.Warning, Message = "Port {Port}: receiving a datagram failed ({Error}).")]
    public static partial void ReceiveFailed(ILogger logger, string port, string error);
}
