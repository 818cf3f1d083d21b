using System.Net.WebSockets;

namespace Resident;

/// <summary>
/// Push to WebSocket connections from anywhere — endpoints, controllers, handlers, background services. Resolve it
/// from dependency injection or read <see cref="IResidentServer.WebSockets"/> (LaravelS's <c>app('swoole')->push</c>).
/// </summary>
/// <remarks>
/// Messages to one connection are sent whole and in the order they were accepted, even when pushed concurrently.
/// A push returns once the message is queued, never waiting for a slow client: each connection's queue is bounded
/// by <c>Resident:WebSocket:SendQueueSize</c> bytes, and a client that lets it overflow is closed with 1008. Pushing
/// to an unknown or closed connection returns false; these methods never throw for a connection's state.
/// </remarks>
public interface IWebSocketServer
{
    /// <summary>Connections established right now.</summary>
    int Count { get; }

    /// <summary>The established connections (a live view; enumerating it is safe while connections come and go).</summary>
    IEnumerable<IWebSocketConnection> Connections { get; }

    /// <summary>Whether <paramref name="connectionId"/> is an open connection that accepts pushes.</summary>
    bool IsEstablished(long connectionId);

    /// <summary>The connection with this id, if it is established.</summary>
    bool TryGetConnection(long connectionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IWebSocketConnection? connection);

    /// <summary>Queues a text message; false if the connection is unknown, closing or closed.</summary>
    ValueTask<bool> PushAsync(long connectionId, string text);

    /// <summary>Queues a message (the bytes are copied); false if the connection is unknown, closing or closed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not Text or Binary.</exception>
    ValueTask<bool> PushAsync(long connectionId, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary);

    /// <summary>
    /// Closes the connection with a close frame once the messages queued before it are sent. False if the connection
    /// is unknown or already closing.
    /// </summary>
    ValueTask<bool> DisconnectAsync(long connectionId, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? reason = null);

    /// <summary>Queues a text message to every established connection that <paramref name="filter"/> accepts; returns how many accepted it.</summary>
    ValueTask<int> BroadcastAsync(string text, Func<IWebSocketConnection, bool>? filter = null);

    /// <summary>Queues a message (encoded once, shared by all) to every established connection that <paramref name="filter"/> accepts; returns how many accepted it.</summary>
    ValueTask<int> BroadcastAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary, Func<IWebSocketConnection, bool>? filter = null);
}

/// <summary>One established WebSocket connection.</summary>
public interface IWebSocketConnection
{
    /// <summary>
    /// The connection id: unique within the server and never reused while it runs. The top 16 bits carry
    /// <c>Resident:NodeId</c> and the next 8 the worker id, so ids stay unique across the nodes of a cluster.
    /// </summary>
    long Id { get; }

    /// <summary>The request path the connection was opened on.</summary>
    string Path { get; }

    /// <summary>The sub-protocol agreed in the handshake, or null.</summary>
    string? SubProtocol { get; }

    /// <summary>The user authenticated on the upgrade request (anonymous if none).</summary>
    System.Security.Claims.ClaimsPrincipal User { get; }

    /// <summary>The client's address (after trusted forwarded headers), if known.</summary>
    System.Net.IPAddress? RemoteIpAddress { get; }

    /// <summary>When the connection was established.</summary>
    DateTimeOffset ConnectedAt { get; }

    /// <summary>Whether the connection is open and accepts pushes.</summary>
    bool IsEstablished { get; }

    /// <summary>Queues a text message; false if the connection is closing or closed.</summary>
    ValueTask<bool> PushAsync(string text);

    /// <summary>Queues a message (the bytes are copied); false if the connection is closing or closed.</summary>
    ValueTask<bool> PushAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary);

    /// <summary>Closes the connection after the messages already queued; false if it is already closing.</summary>
    ValueTask<bool> DisconnectAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? reason = null);
}
