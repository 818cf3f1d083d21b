using System.Diagnostics.Metrics;
using System.Net.WebSockets;

namespace Resident.Metrics;

// WebSocket connections and messages of this process, tagged by the handler's declared path (a route pattern stays a
// pattern, so there are as many series as handlers, whatever the clients request).
internal sealed partial class ResidentMetrics
{
    /// <summary>UpDownCounter of the connections open now; tag <c>path</c>.</summary>
    public const string WebSocketActiveName = "resident.websocket.connections.active";

    /// <summary>Counter of the connections accepted (handshake done); tag <c>path</c>.</summary>
    public const string WebSocketOpenedName = "resident.websocket.connections.opened";

    /// <summary>Counter of the connections ended; tags <c>path</c> and <c>websocket.close_status</c>.</summary>
    public const string WebSocketClosedName = "resident.websocket.connections.closed";

    /// <summary>Counter of the messages handed to the handler; tag <c>path</c>.</summary>
    public const string WebSocketReceivedName = "resident.websocket.messages.received";

    /// <summary>Counter of the messages written to clients (pushes, broadcasts, replies); tag <c>path</c>.</summary>
    public const string WebSocketSentName = "resident.websocket.messages.sent";

    /// <summary>Counter of the connections closed with 1008 because their send queue was full; tag <c>path</c>.</summary>
    public const string WebSocketOverflowsName = "resident.websocket.send_queue.overflows";

    /// <summary>Counter of the connections closed because no message came within the heartbeat idle time; tag <c>path</c>.</summary>
    public const string WebSocketHeartbeatClosesName = "resident.websocket.heartbeat.closes";

    /// <summary>The tag key of a connection's close status.</summary>
    public const string CloseStatusKey = "websocket.close_status";

    /// <summary>
    /// The close status of a connection that ended without a close handshake (reset, abort, broken frame): 1006, which
    /// RFC 6455 reserves for exactly that and browsers report in <c>CloseEvent.code</c>.
    /// </summary>
    public const int AbnormalCloseStatus = 1006;

    /// <summary>The tag value of a close status outside 1000–1015 (application codes 3000–4999 are collapsed into it).</summary>
    public const string OtherCloseStatus = "other";

    private const int FirstStandardCloseStatus = 1000;
    private const int LastStandardCloseStatus = 1015;

    // The statuses RFC 6455 and its registry define, boxed once; any other status (a client may send any 3000–4999)
    // shares one value, so a client cannot multiply the series.
    private static readonly KeyValuePair<string, object?>[] StandardCloseStatusTags =
        [.. Enumerable.Range(FirstStandardCloseStatus, LastStandardCloseStatus - FirstStandardCloseStatus + 1)
            .Select(status => new KeyValuePair<string, object?>(CloseStatusKey, status))];

    private static readonly KeyValuePair<string, object?> OtherCloseStatusTag = new(CloseStatusKey, OtherCloseStatus);

    private UpDownCounter<long> _webSocketActive = null!;
    private Counter<long> _webSocketOpened = null!;
    private Counter<long> _webSocketClosed = null!;
    private Counter<long> _webSocketReceived = null!;
    private Counter<long> _webSocketSent = null!;
    private Counter<long> _webSocketOverflows = null!;
    private Counter<long> _webSocketHeartbeatCloses = null!;

    partial void CreateWebSocketInstruments()
    {
        _webSocketActive = Meter.CreateUpDownCounter<long>(WebSocketActiveName, "{connection}", "WebSocket connections open now.");
        _webSocketOpened = Meter.CreateCounter<long>(WebSocketOpenedName, "{connection}", "WebSocket connections accepted.");
        _webSocketClosed = Meter.CreateCounter<long>(WebSocketClosedName, "{connection}",
            "WebSocket connections ended, by close status (1006: ended without a close handshake).");
        _webSocketReceived = Meter.CreateCounter<long>(WebSocketReceivedName, "{message}", "WebSocket messages received and handed to the handler.");
        _webSocketSent = Meter.CreateCounter<long>(WebSocketSentName, "{message}", "WebSocket messages sent to clients: pushes, broadcasts and replies.");
        _webSocketOverflows = Meter.CreateCounter<long>(WebSocketOverflowsName, "{connection}",
            "WebSocket connections closed with 1008 because their send queue was full.");
        _webSocketHeartbeatCloses = Meter.CreateCounter<long>(WebSocketHeartbeatClosesName, "{connection}",
            "WebSocket connections closed because nothing arrived within the heartbeat idle time.");
    }

    /// <summary>The <c>path</c> tag of a WebSocket handler's measurements: its declared path, made once per handler.</summary>
    public static KeyValuePair<string, object?> PathTag(string path) => new("path", path);

    /// <summary>The <c>websocket.close_status</c> tag of a status (null: the connection ended without a close handshake); never allocates.</summary>
    public static KeyValuePair<string, object?> CloseStatusTag(WebSocketCloseStatus? status)
    {
        var code = status is { } value ? (int)value : AbnormalCloseStatus;
        return code is >= FirstStandardCloseStatus and <= LastStandardCloseStatus
            ? StandardCloseStatusTags[code - FirstStandardCloseStatus]
            : OtherCloseStatusTag;
    }

    /// <summary>A connection of the handler at <paramref name="path"/> was accepted.</summary>
    public void WebSocketOpened(in KeyValuePair<string, object?> path)
    {
        _webSocketOpened.Add(1, path);
        _webSocketActive.Add(1, path);
    }

    /// <summary>A connection ended with <paramref name="status"/> (null: without a close handshake).</summary>
    public void WebSocketClosed(in KeyValuePair<string, object?> path, WebSocketCloseStatus? status)
    {
        _webSocketActive.Add(-1, path);
        _webSocketClosed.Add(1, path, CloseStatusTag(status));
    }

    /// <summary>A message was received and handed to the handler.</summary>
    public void WebSocketMessageReceived(in KeyValuePair<string, object?> path) => _webSocketReceived.Add(1, path);

    /// <summary>A message was written to a client.</summary>
    public void WebSocketMessageSent(in KeyValuePair<string, object?> path) => _webSocketSent.Add(1, path);

    /// <summary>A connection's send queue overflowed (it is being closed with 1008).</summary>
    public void WebSocketSendQueueOverflowed(in KeyValuePair<string, object?> path) => _webSocketOverflows.Add(1, path);

    /// <summary>A connection was closed by the heartbeat check.</summary>
    public void WebSocketHeartbeatClosed(in KeyValuePair<string, object?> path) => _webSocketHeartbeatCloses.Add(1, path);
}
