using System.Net.WebSockets;
using Resident;

namespace Corpus.Realtime;

/// <summary>A Resident WebSocket chat: one instance serves every connection.</summary>
[WebSocketHandler("/chat")]
public sealed class ChatHandler(ILogger<ChatHandler> logger) : IWebSocketHandler
{
    private readonly ConcurrentDictionary<long, string> _names = new();
    private readonly List<string> _history = new();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _broadcastLock = new(1, 1);
    private string? _lastMessage;
    private int _messageCount;
    private long _connections;
    private DateTimeOffset _lastBroadcast;

    public ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        _names[request.ConnectionId] = request.User.Identity?.Name ?? $"guest-{request.ConnectionId}";
        Interlocked.Increment(ref _connections);
        return ValueTask.CompletedTask;
    }

    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
    {
        if (frame.Opcode != WebSocketMessageType.Text)
        {
            return;
        }

        var text = frame.Text;
        _lastMessage = text; // LEAK: RES004
        _history.Add(text); // LEAK: RES004 // LEAK: RES002 (a singleton's list nothing empties)
        lock (_gate)
        {
            _messageCount++;
        }

        await _broadcastLock.WaitAsync();
        try
        {
            _lastBroadcast = DateTimeOffset.UtcNow;
            await server.BroadcastAsync($"{_names.GetValueOrDefault(frame.ConnectionId, "?")}: {text}");
        }
        finally
        {
            _broadcastLock.Release();
        }
    }

    public ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason)
    {
        _names.TryRemove(connectionId, out _);
        Interlocked.Decrement(ref _connections);
        logger.LogInformation("{Id} left after {Count} messages in the room (last: {Last}, at {At})", connectionId, Volatile.Read(ref _messageCount), _lastMessage, _lastBroadcast);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Correct: a cleaner resets per-request state the app keeps in a singleton.</summary>
[Cleaner]
public sealed class SessionCleaner(Services.PriceCache prices) : ICleaner
{
    public ValueTask CleanAsync(HttpContext context)
    {
        context.Items.Clear();
        _ = prices.Hits;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A request hook that remembers the last path in a field of its single instance.</summary>
[RequestHook]
public sealed class LastPathHook : IRequestReceivedHook
{
    private string _lastPath = "";

    public ValueTask OnRequestReceivedAsync(HttpContext context)
    {
        var previous = _lastPath;
        _lastPath = context.Request.Path; // LEAK: RES004
        context.Items["previousPath"] = previous;
        return ValueTask.CompletedTask;
    }
}

/// <summary>SignalR: connections tracked in a set that OnDisconnectedAsync prunes.</summary>
public sealed class NotificationsHub : Microsoft.AspNetCore.SignalR.Hub
{
    private static readonly ConcurrentDictionary<string, byte> s_connected = new();

    public override Task OnConnectedAsync()
    {
        s_connected.TryAdd(Context.ConnectionId, 0);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        s_connected.TryRemove(Context.ConnectionId, out _);
        return base.OnDisconnectedAsync(exception);
    }

    public Task Broadcast(string message)
    {
        Microsoft.AspNetCore.SignalR.ClientProxyExtensions.SendAsync(Clients.All, "notify", message).Wait(); // LEAK: RES005
        return Task.CompletedTask;
    }

    public Task<int> Online() => Task.FromResult(s_connected.Count);
}
