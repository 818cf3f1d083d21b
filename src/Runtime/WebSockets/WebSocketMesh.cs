using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Resident.Supervision;

namespace Resident.WebSockets;

/// <summary>
/// The WebSocket server's reach into the other processes (only when <see cref="NodeMesh.Enabled"/>): this node's other
/// workers, and with a cluster transport (Resident.Redis) the processes of the other nodes. It keeps a directory of
/// their established connections, fed by the open/close announcements each process sends to all and a snapshot to
/// each process that joins, and routes push, disconnect and broadcast to the process in a connection id's top 23 bits
/// (node and worker).
/// </summary>
/// <remarks>
/// A process's announcements and its snapshots go out under one lock, together with the change to its own registry,
/// so a peer never sees a connection's close before the snapshot that still lists it. Received messages are handled
/// synchronously on the mesh's reading thread: a push is queued on the connection before the next message is read,
/// which keeps each sender's order per connection.
/// </remarks>
internal sealed class WebSocketMesh : IDisposable
{
    // A snapshot goes out in Opened messages of about this many bytes, so a large one does not make one huge message.
    private const int SnapshotMessageBytes = 32 * 1024;

    private readonly NodeMesh _mesh;
    private readonly WebSocketServer _server;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, RemoteConnection> _directory = new();
    private readonly Action<int> _onPeerJoined;
    private readonly Action<int> _onPeerLeft;

    public WebSocketMesh(NodeMesh mesh, WebSocketServer server, ILogger logger)
    {
        _mesh = mesh;
        _server = server;
        _logger = logger;
        _onPeerJoined = SendSnapshot;
        _onPeerLeft = Forget;
        mesh.PeerJoined += _onPeerJoined;
        mesh.PeerLeft += _onPeerLeft;
        mesh.Receive(MeshChannel.WebSockets, Receive);
    }

    /// <summary>Held while this process's registry changes and the change is announced, and while a snapshot is taken and sent.</summary>
    public Lock AnnounceGate { get; } = new();

    /// <summary>The other processes' connections known right now.</summary>
    public int RemoteCount => _directory.Count;

    public IEnumerable<RemoteConnection> RemoteConnections => _directory.Select(pair => pair.Value);

    public bool IsEstablished(long connectionId) => _directory.ContainsKey(connectionId);

    public bool TryGetConnection(long connectionId, [NotNullWhen(true)] out IWebSocketConnection? connection)
    {
        if (_directory.TryGetValue(connectionId, out var remote))
        {
            connection = remote;
            return true;
        }

        connection = null;
        return false;
    }

    /// <summary>Tells every peer about a connection just added here (call under <see cref="AnnounceGate"/>).</summary>
    public void AnnounceOpened(WebSocketConnection connection)
    {
        var writer = new MeshMessageWriter(WebSocketMeshKind.Opened, 128);
        WebSocketMeshMessages.WriteOpened(writer, connection);
        _mesh.Send(IWorkerMesh.AllPeers, MeshChannel.WebSockets, writer.ToArray());
    }

    /// <summary>Tells every peer a connection of this process is gone (call under <see cref="AnnounceGate"/>).</summary>
    public void AnnounceClosed(long connectionId) =>
        _mesh.Send(IWorkerMesh.AllPeers, MeshChannel.WebSockets, WebSocketMeshMessages.Closed(connectionId));

    public bool Push(long connectionId, string text)
    {
        if (!_directory.ContainsKey(connectionId))
        {
            return false;
        }

        return _mesh.Send(ConnectionIds.AddressOf(connectionId), MeshChannel.WebSockets, WebSocketMeshMessages.Push(connectionId, text));
    }

    public bool Push(long connectionId, ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        if (!_directory.ContainsKey(connectionId))
        {
            return false;
        }

        return _mesh.Send(ConnectionIds.AddressOf(connectionId), MeshChannel.WebSockets, WebSocketMeshMessages.Push(connectionId, payload, messageType));
    }

    public bool Disconnect(long connectionId, WebSocketCloseStatus status, string? reason)
    {
        if (!_directory.ContainsKey(connectionId))
        {
            return false;
        }

        return _mesh.Send(ConnectionIds.AddressOf(connectionId), MeshChannel.WebSockets, WebSocketMeshMessages.Disconnect(connectionId, status, reason));
    }

    /// <summary>
    /// Sends a broadcast to the other processes; returns how many of their connections it is for. Without a filter
    /// one message goes to all peers and each queues it on all its connections (counted here as the directory's
    /// entries; only this node's when the other nodes could not be reached). A filter cannot cross processes, so it
    /// runs here against the directory, and each process with chosen connections gets one message naming them.
    /// </summary>
    public int Broadcast(ReadOnlySpan<byte> payload, WebSocketMessageType messageType, Func<IWebSocketConnection, bool>? filter)
    {
        if (filter is null)
        {
            if (_mesh.Send(IWorkerMesh.AllPeers, MeshChannel.WebSockets, WebSocketMeshMessages.Broadcast(payload, messageType)))
            {
                return _directory.Count;
            }

            // The other nodes are out of reach: count this node's other workers' connections only.
            var node = _mesh.Node;
            return _directory.Count(pair => NodeMesh.NodeOf(ConnectionIds.AddressOf(pair.Key)) == node);
        }

        Dictionary<int, List<long>>? chosen = null;
        foreach (var pair in _directory)
        {
            if (filter(pair.Value))
            {
                chosen ??= [];
                var address = ConnectionIds.AddressOf(pair.Key);
                if (!chosen.TryGetValue(address, out var ids))
                {
                    chosen[address] = ids = [];
                }

                ids.Add(pair.Key);
            }
        }

        if (chosen is null)
        {
            return 0;
        }

        var recipients = 0;
        foreach (var (address, ids) in chosen)
        {
            if (_mesh.Send(address, MeshChannel.WebSockets, WebSocketMeshMessages.BroadcastTo(ids, payload, messageType)))
            {
                recipients += ids.Count;
            }
        }

        return recipients;
    }

    // A process joined: it learns this process's established connections, in messages of bounded size.
    private void SendSnapshot(int address)
    {
        try
        {
            var writer = new MeshMessageWriter(WebSocketMeshKind.Opened, 1024);
            lock (AnnounceGate)
            {
                foreach (var connection in _server.LocalConnections)
                {
                    WebSocketMeshMessages.WriteOpened(writer, connection);
                    if (writer.Length >= SnapshotMessageBytes)
                    {
                        _mesh.Send(address, MeshChannel.WebSockets, writer.ToArray());
                        writer.Reset();
                    }
                }

                if (writer.Length > 1)
                {
                    _mesh.Send(address, MeshChannel.WebSockets, writer.ToArray());
                }
            }
        }
        catch (Exception exception)
        {
            WebSocketLog.MeshFailed(_logger, "sending a snapshot to " + _mesh.Describe(address), exception);
        }
    }

    // A process left or died: its connections are gone with it.
    private void Forget(int address)
    {
        foreach (var pair in _directory)
        {
            if (ConnectionIds.AddressOf(pair.Key) == address && _directory.TryRemove(pair))
            {
                pair.Value.Forget();
            }
        }
    }

    private void Receive(int sender, ReadOnlySpan<byte> message)
    {
        try
        {
            Handle(sender, message);
        }
        catch (MeshMessageException malformed)
        {
            WebSocketLog.MeshMessageDropped(_logger, _mesh.Describe(sender), message.Length, malformed.Message);
        }
        catch (Exception exception)
        {
            // Never let a message break the mesh's reading thread.
            WebSocketLog.MeshFailed(_logger, "handling a message from " + _mesh.Describe(sender), exception);
        }
    }

    private void Handle(int sender, ReadOnlySpan<byte> message)
    {
        var reader = new MeshMessageReader(message);
        var kind = (WebSocketMeshKind)reader.Byte();
        switch (kind)
        {
            case WebSocketMeshKind.Opened:
                ReceiveOpened(sender, ref reader);
                break;
            case WebSocketMeshKind.Closed:
                ReceiveClosed(sender, ref reader);
                break;
            case WebSocketMeshKind.Push:
            {
                var id = OwnId(reader.Int64());
                var type = MessageType(reader.Byte());
                _server.PushLocal(id, reader.Rest(), type);
                break;
            }

            case WebSocketMeshKind.Disconnect:
            {
                var id = OwnId(reader.Int64());
                var status = (WebSocketCloseStatus)reader.UInt16();
                var reason = reader.NullableString();
                End(ref reader);
                _server.DisconnectLocal(id, status, reason);
                break;
            }

            case WebSocketMeshKind.Broadcast:
            {
                var type = MessageType(reader.Byte());
                _server.BroadcastLocal(reader.Rest().ToArray(), type, filter: null);
                break;
            }

            case WebSocketMeshKind.BroadcastTo:
                ReceiveBroadcastTo(ref reader);
                break;
            default:
                throw new MeshMessageException($"unknown kind {(byte)kind}");
        }
    }

    private void ReceiveOpened(int sender, ref MeshMessageReader reader)
    {
        // Parse the whole message before applying any of it, so a malformed one changes nothing.
        var entries = new List<WebSocketMeshMessages.OpenedEntry>();
        do
        {
            var entry = WebSocketMeshMessages.ReadOpened(ref reader);
            SenderId(sender, entry.Id);
            entries.Add(entry);
        }
        while (!reader.AtEnd);

        foreach (var entry in entries)
        {
            // A connection both in a snapshot and in an announcement keeps its first entry (callers may hold it).
            _directory.TryAdd(entry.Id, new RemoteConnection(this, entry));
        }
    }

    private void ReceiveClosed(int sender, ref MeshMessageReader reader)
    {
        var ids = new List<long>();
        do
        {
            ids.Add(SenderId(sender, reader.Int64()));
        }
        while (!reader.AtEnd);

        foreach (var id in ids)
        {
            if (_directory.TryRemove(id, out var gone))
            {
                gone.Forget();
            }
        }
    }

    private void ReceiveBroadcastTo(ref MeshMessageReader reader)
    {
        var type = MessageType(reader.Byte());
        var count = (int)Math.Min(reader.UInt32(), int.MaxValue);
        if ((long)count * sizeof(long) > reader.Remaining)
        {
            throw new MeshMessageException($"{count} ids in {reader.Remaining} bytes");
        }

        var ids = reader.Bytes(count * sizeof(long));
        for (var i = 0; i < count; i++)
        {
            OwnId(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(ids[(i * sizeof(long))..]));
        }

        // One copy of the payload, shared by every named connection (as a local broadcast does).
        var shared = reader.Rest().ToArray();
        for (var i = 0; i < count; i++)
        {
            _server.PushLocalShared(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(ids[(i * sizeof(long))..]), shared, type);
        }
    }

    private long OwnId(long id) =>
        ConnectionIds.AddressOf(id) == _mesh.Address ? id : throw new MeshMessageException($"connection {id} belongs to {_mesh.Describe(ConnectionIds.AddressOf(id))}, not this one");

    private static long SenderId(int sender, long id) =>
        ConnectionIds.AddressOf(id) == sender && id > 0 ? id : throw new MeshMessageException($"connection {id} does not belong to its sender");

    private static WebSocketMessageType MessageType(byte value) => value switch
    {
        (byte)WebSocketMessageType.Text => WebSocketMessageType.Text,
        (byte)WebSocketMessageType.Binary => WebSocketMessageType.Binary,
        _ => throw new MeshMessageException($"message type {value}"),
    };

    private static void End(ref MeshMessageReader reader)
    {
        if (!reader.AtEnd)
        {
            throw new MeshMessageException($"{reader.Remaining} bytes past the end");
        }
    }

    public void Dispose()
    {
        _mesh.PeerJoined -= _onPeerJoined;
        _mesh.PeerLeft -= _onPeerLeft;
    }
}

/// <summary>
/// A connection of another process (this node's or another's), as the directory knows it. Its pushes and disconnect
/// travel over the mesh; it stops being established when its process announces the close or leaves.
/// </summary>
internal sealed class RemoteConnection(WebSocketMesh mesh, WebSocketMeshMessages.OpenedEntry entry) : IWebSocketConnection
{
    private volatile bool _gone;

    public long Id => entry.Id;

    public string Path => entry.Path;

    public string? SubProtocol => entry.SubProtocol;

    public ClaimsPrincipal User => entry.User;

    public IPAddress? RemoteIpAddress => entry.RemoteIpAddress;

    public DateTimeOffset ConnectedAt => entry.ConnectedAt;

    public bool IsEstablished => !_gone;

    public ValueTask<bool> PushAsync(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ValueTask.FromResult(!_gone && mesh.Push(Id, text));
    }

    public ValueTask<bool> PushAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        WebSocketConnection.CheckDataType(messageType);
        return ValueTask.FromResult(!_gone && mesh.Push(Id, payload.Span, messageType));
    }

    public ValueTask<bool> DisconnectAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? reason = null) =>
        ValueTask.FromResult(!_gone && mesh.Disconnect(Id, status, reason));

    internal void Forget() => _gone = true;
}
