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
/// <para>
/// With several worker processes (supervised mode, and during a reload) this is one server across all of them: the
/// connections of the other workers are listed, counted and reachable too. A push or disconnect for a connection of
/// another worker returns true once it is sent to that worker (the connection was established as far as this worker
/// knew), and keeps its order behind earlier pushes from this worker; a broadcast counts the other workers'
/// connections it was sent to. A broadcast's filter runs in the calling worker, over every worker's connections.
/// </para>
/// <para>
/// With Resident.Redis (<c>AddRedis()</c>) this is one server across every node of the cluster, the same way: a
/// connection id names its node and worker, so <see cref="PushAsync(long, string)"/>, <see cref="DisconnectAsync"/>,
/// <see cref="IsEstablished"/> and <see cref="TryGetConnection"/> work for a connection on any node (this process
/// first, then another worker of this node through the master, then another node through Redis pub/sub), and a
/// broadcast reaches every node's connections. Messages from one sender to one connection keep their order across
/// nodes too. When Redis is unreachable, a push, disconnect or broadcast for another node's connections returns
/// false (or leaves them out of the count) at once, never throwing or waiting; the other nodes' connections stay
/// listed until their node's lease (<c>Resident:Redis:NodeTimeout</c>) runs out, and the directory fills again by
/// itself once Redis is back. A node that dies drops out of every other node's directory within that timeout.
/// </para>
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
