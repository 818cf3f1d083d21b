using System.Net.WebSockets;

namespace Resident;

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
