using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Metrics;
using Resident.Supervision;

namespace Resident.WebSockets;

/// <summary>
/// The connections of this server: ids, push, broadcast, heartbeat and the connection limit. With the worker mesh
/// enabled, or a cluster transport registered (Resident.Redis), it also covers the other workers' and the other
/// nodes' connections (<see cref="WebSocketMesh"/>); without them, a push or an echo costs what it always did: the
/// mesh is looked at only for an id this process does not hold.
/// </summary>
internal sealed class WebSocketServer : IWebSocketServer, IDisposable
{
    private readonly ConcurrentDictionary<long, WebSocketConnection> _connections = new();
    private readonly IOptions<ResidentOptions> _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly int _slot;

    // Null unless other workers or nodes may exist (the meshes say so once, before the server is built).
    private readonly WebSocketMesh? _mesh;
    private readonly Lock _shutdownGate = new();
    private ConnectionIds? _ids;
    private int _admitted;
    private Task _heartbeat = Task.CompletedTask;

    public WebSocketServer(
        IOptions<ResidentOptions> options, ILogger<WebSocketServer> logger, TimeProvider time, IWorkerMesh mesh, ResidentMetrics metrics, IRemoteNodeTransport? remote = null)
    {
        _options = options;
        _logger = logger;
        Time = time;
        Metrics = metrics;
        _slot = mesh.Slot;
        if (mesh.Enabled || remote is not null)
        {
            _mesh = new WebSocketMesh(new NodeMesh(mesh, () => _options.Value.NodeId, remote), this, logger);
        }
    }

    /// <summary>The instruments this worker's connections count on (tags made once per handler).</summary>
    internal ResidentMetrics Metrics { get; }

    /// <summary>The clock of heartbeats and close timeouts (a test can replace it).</summary>
    internal TimeProvider Time { get; }

    /// <summary>
    /// Now in milliseconds of a monotonic clock: <see cref="Environment.TickCount64"/> in production (the cheapest
    /// read, taken on every message received), the provider's timestamp otherwise.
    /// </summary>
    internal long NowMilliseconds() =>
        ReferenceEquals(Time, TimeProvider.System) ? Environment.TickCount64 : Time.GetTimestamp() / (Time.TimestampFrequency / 1000);

    /// <summary>The validated settings (read on first use, after validation at start).</summary>
    public ResidentWebSocketOptions Settings => _options.Value.WebSocket;

    public TimeSpan CloseTimeout => Settings.CloseTimeout;

    /// <summary>Connections of every process: this one's plus the other workers' and nodes' the directory knows.</summary>
    public int Count => _mesh is null ? _connections.Count : _connections.Count + _mesh.RemoteCount;

    /// <summary>Connections of this worker only (what this process serves).</summary>
    internal int LocalCount => _connections.Count;

    public IEnumerable<IWebSocketConnection> Connections
    {
        get
        {
            // Enumerating the dictionary itself takes no snapshot and tolerates concurrent changes.
            foreach (var pair in _connections)
            {
                if (pair.Value.IsEstablished)
                {
                    yield return pair.Value;
                }
            }

            if (_mesh is not null)
            {
                foreach (var remote in _mesh.RemoteConnections)
                {
                    yield return remote;
                }
            }
        }
    }

    /// <summary>This worker's established connections.</summary>
    internal IEnumerable<WebSocketConnection> LocalConnections
    {
        get
        {
            foreach (var pair in _connections)
            {
                if (pair.Value.IsEstablished)
                {
                    yield return pair.Value;
                }
            }
        }
    }

    public bool IsEstablished(long connectionId) =>
        _connections.TryGetValue(connectionId, out var connection)
            ? connection.IsEstablished
            : _mesh is not null && _mesh.IsEstablished(connectionId);

    public bool TryGetConnection(long connectionId, [NotNullWhen(true)] out IWebSocketConnection? connection)
    {
        if (_connections.TryGetValue(connectionId, out var found))
        {
            connection = found.IsEstablished ? found : null;
            return connection is not null;
        }

        connection = null;
        return _mesh is not null && _mesh.TryGetConnection(connectionId, out connection);
    }

    public ValueTask<bool> PushAsync(long connectionId, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            return ValueTask.FromResult(connection.IsEstablished && connection.Enqueue(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text));
        }

        return ValueTask.FromResult(_mesh is not null && _mesh.Push(connectionId, text));
    }

    public ValueTask<bool> PushAsync(long connectionId, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary)
    {
        WebSocketConnection.CheckDataType(messageType);
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            return ValueTask.FromResult(connection.IsEstablished && connection.Enqueue(payload.ToArray(), messageType));
        }

        return ValueTask.FromResult(_mesh is not null && _mesh.Push(connectionId, payload.Span, messageType));
    }

    public ValueTask<bool> DisconnectAsync(long connectionId, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? reason = null)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            return ValueTask.FromResult(connection.BeginClose(status, reason));
        }

        return ValueTask.FromResult(_mesh is not null && _mesh.Disconnect(connectionId, status, reason));
    }

    public ValueTask<int> BroadcastAsync(string text, Func<IWebSocketConnection, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ValueTask.FromResult(Broadcast(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, filter));
    }

    public ValueTask<int> BroadcastAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Binary, Func<IWebSocketConnection, bool>? filter = null)
    {
        WebSocketConnection.CheckDataType(messageType);
        return ValueTask.FromResult(Broadcast(payload.ToArray(), messageType, filter));
    }

    private int Broadcast(byte[] shared, WebSocketMessageType messageType, Func<IWebSocketConnection, bool>? filter)
    {
        var accepted = BroadcastLocal(shared, messageType, filter);
        return _mesh is null ? accepted : accepted + _mesh.Broadcast(shared, messageType, filter);
    }

    /// <summary>A push another worker sent to a connection of this one (the payload is copied).</summary>
    internal void PushLocal(long connectionId, ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        if (_connections.TryGetValue(connectionId, out var connection) && connection.IsEstablished)
        {
            connection.Enqueue(payload.ToArray(), messageType);
        }
    }

    /// <summary>One of the connections a filtered broadcast of another worker chose (the payload is shared, read-only).</summary>
    internal void PushLocalShared(long connectionId, ReadOnlyMemory<byte> shared, WebSocketMessageType messageType)
    {
        if (_connections.TryGetValue(connectionId, out var connection) && connection.IsEstablished)
        {
            connection.Enqueue(shared, messageType);
        }
    }

    /// <summary>A disconnect another worker sent for a connection of this one.</summary>
    internal void DisconnectLocal(long connectionId, WebSocketCloseStatus status, string? reason)
    {
        if (_connections.TryGetValue(connectionId, out var connection))
        {
            connection.BeginClose(status, reason);
        }
    }

    // One copy of the payload, shared read-only by every connection's queue.
    internal int BroadcastLocal(ReadOnlyMemory<byte> shared, WebSocketMessageType messageType, Func<IWebSocketConnection, bool>? filter)
    {
        var accepted = 0;
        foreach (var pair in _connections)
        {
            var connection = pair.Value;
            if (connection.IsEstablished && (filter is null || filter(connection)) && connection.Enqueue(shared, messageType))
            {
                accepted++;
            }
        }

        return accepted;
    }

    /// <summary>Takes a place under MaxConnections for a handshake; false when the server is full or stopping.</summary>
    internal bool TryAdmit()
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        var admitted = Interlocked.Increment(ref _admitted);
        var limit = Settings.MaxConnections;
        if (limit > 0 && admitted > limit)
        {
            Interlocked.Decrement(ref _admitted);
            return false;
        }

        return true;
    }

    /// <summary>Gives back a place taken by <see cref="TryAdmit"/>.</summary>
    internal void Release() => Interlocked.Decrement(ref _admitted);

    // One generator per server even when the first handshakes race: a second one would hand out the same ids.
    internal long NextId() => LazyInitializer.EnsureInitialized(ref _ids, () => new ConnectionIds(_options.Value.NodeId, _slot)).Next();

    internal void Add(WebSocketConnection connection)
    {
        if (_mesh is null)
        {
            AddLocal(connection);
            return;
        }

        lock (_mesh.AnnounceGate)
        {
            AddLocal(connection);
            _mesh.AnnounceOpened(connection);
        }
    }

    private void AddLocal(WebSocketConnection connection)
    {
        if (!_connections.TryAdd(connection.Id, connection))
        {
            throw new InvalidOperationException($"WebSocket connection id {connection.Id} is already in use.");
        }
    }

    /// <summary>Raised once per connection of this process, after it left the list and before the handler's OnClose (presence leaves its groups here).</summary>
    internal event Action<long>? ConnectionClosed;

    internal void Remove(WebSocketConnection connection)
    {
        if (_mesh is null)
        {
            if (_connections.TryRemove(KeyValuePair.Create(connection.Id, connection)))
            {
                ConnectionClosed?.Invoke(connection.Id);
            }

            return;
        }

        var removed = false;
        lock (_mesh.AnnounceGate)
        {
            // Removed twice (after the receive loop and in the endpoint's finally): announced once.
            if (_connections.TryRemove(KeyValuePair.Create(connection.Id, connection)))
            {
                _mesh.AnnounceClosed(connection.Id);
                removed = true;
            }
        }

        if (removed)
        {
            ConnectionClosed?.Invoke(connection.Id);
        }
    }

    internal bool IsStopping => _stopping.IsCancellationRequested;

    /// <summary>Starts the heartbeat check when <c>HeartbeatIdleTime</c> or <c>HeartbeatCheckInterval</c> is set.</summary>
    internal void Start()
    {
        var options = _options.Value;
        var (idle, interval) = Heartbeat(options.HeartbeatIdleTime, options.HeartbeatCheckInterval);
        if (idle > TimeSpan.Zero)
        {
            _heartbeat = CheckHeartbeatsAsync(idle, interval, _stopping.Token);
        }
    }

    /// <summary>Swoole's rules: the idle time defaults to twice the interval, the interval to half the idle time.</summary>
    internal static (TimeSpan Idle, TimeSpan Interval) Heartbeat(int idleSeconds, int intervalSeconds) =>
        Heartbeat(TimeSpan.FromSeconds(idleSeconds), TimeSpan.FromSeconds(intervalSeconds));

    internal static (TimeSpan Idle, TimeSpan Interval) Heartbeat(TimeSpan idleTime, TimeSpan checkInterval)
    {
        var idle = idleTime > TimeSpan.Zero ? idleTime : 2 * checkInterval;
        var interval = checkInterval > TimeSpan.Zero ? checkInterval : TimeSpan.FromSeconds(Math.Max(1, (int)idleTime.TotalSeconds / 2));
        return idle > TimeSpan.Zero ? (idle, interval) : (TimeSpan.Zero, TimeSpan.Zero);
    }

    private async Task CheckHeartbeatsAsync(TimeSpan idle, TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var now = NowMilliseconds();
                foreach (var pair in _connections)
                {
                    var connection = pair.Value;
                    if (now - connection.LastActivity >= idle.TotalMilliseconds && connection.IsEstablished)
                    {
                        WebSocketLog.IdleClosed(_logger, connection.Id, (int)idle.TotalSeconds);
                        if (connection.BeginClose(WebSocketCloseStatus.EndpointUnavailable, "heartbeat idle timeout"))
                        {
                            Metrics.WebSocketHeartbeatClosed(connection.PathTag);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>The close status of a reload: 1012 (service restart), so clients reconnect to the next generation.</summary>
    internal const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>
    /// The close status and reason connections get once the shutdown has begun: 1001 "server stopping" for a stop,
    /// 1012 "service restart" for a reload (a handshake that raced the shutdown gets the same).
    /// </summary>
    internal (WebSocketCloseStatus Status, string Reason) ShutdownClose { get; private set; } = (WebSocketCloseStatus.EndpointUnavailable, "server stopping");

    /// <summary>Refuses new handshakes and closes every connection with 1001, so the graceful stop does not wait for clients to leave.</summary>
    internal void BeginShutdown() => BeginShutdown(WebSocketCloseStatus.EndpointUnavailable, "server stopping");

    /// <summary>
    /// Refuses new handshakes and closes every connection with <paramref name="status"/> (1012 <see cref="ServiceRestart"/>
    /// on a reload). Only the first call closes; a later one (the stop that follows a reload) changes nothing.
    /// </summary>
    internal void BeginShutdown(WebSocketCloseStatus status, string reason)
    {
        lock (_shutdownGate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            ShutdownClose = (status, reason);
            _stopping.Cancel();
        }

        foreach (var pair in _connections)
        {
            pair.Value.BeginClose(status, reason);
        }
    }

    internal void ReportOverflow(WebSocketConnection connection)
    {
        Metrics.WebSocketSendQueueOverflowed(connection.PathTag);
        WebSocketLog.Overflow(_logger, connection.Id, Settings.SendQueueSize);
    }

    internal void ReportMessageTooBig(WebSocketConnection connection, int maxMessageSize) => WebSocketLog.MessageTooBig(_logger, connection.Id, maxMessageSize);

    internal void ReportBroken(WebSocketConnection connection, Exception exception) => WebSocketLog.Broken(_logger, connection.Id, exception.Message);

    internal void ReportHandlerFailure(string handler, string callback, long connectionId, Exception exception) =>
        WebSocketLog.HandlerFailed(_logger, handler, callback, connectionId, exception);

    // Called once per registration (the class and its interface); the token source has no timer, so cancelling
    // it is all the cleanup it needs, and cancelling twice is harmless.
    public void Dispose()
    {
        _stopping.Cancel();
        _mesh?.Dispose();
    }
}
