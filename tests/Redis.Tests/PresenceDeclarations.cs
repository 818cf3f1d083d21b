using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace Resident.Redis.Tests;

/// <summary>
/// /presence/ws?group=a&amp;group=b&amp;user=u on the in-process nodes: binds the user, joins the groups, then says
/// "joined:&lt;connection id&gt;" (the same as ClusterApp's, for node processes).
/// </summary>
[WebSocketHandler("/presence/ws")]
public sealed class PresenceTestSocket(IPresence presence) : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        var user = request.Query["user"].ToString();
        if (user.Length > 0)
        {
            await presence.BindUserAsync(user, request.ConnectionId);
        }

        foreach (var group in request.Query["group"])
        {
            await presence.JoinAsync(group!, request.ConnectionId);
        }

        await server.PushAsync(request.ConnectionId, "joined:" + request.ConnectionId.ToString(CultureInfo.InvariantCulture));
    }

    public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => ValueTask.CompletedTask;
}

/// <summary>A client of /presence/ws (or any text WebSocket), for the presence tests.</summary>
internal sealed class PresenceClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private PresenceClient(ClientWebSocket socket, long id)
    {
        Socket = socket;
        Id = id;
    }

    public ClientWebSocket Socket { get; }

    public long Id { get; }

    /// <summary>Connects to /presence/ws<paramref name="query"/> and reads the connection id the node gave.</summary>
    public static async Task<PresenceClient> ConnectAsync(Uri baseAddress, string query = "")
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}/presence/ws{query}"), timeout.Token);
        var welcome = await ReceiveTextAsync(socket);
        Xunit.Assert.StartsWith("joined:", welcome);
        return new PresenceClient(socket, long.Parse(welcome["joined:".Length..], CultureInfo.InvariantCulture));
    }

    public Task<string> ReceiveTextAsync() => ReceiveTextAsync(Socket);

    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    public static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(chunk, timeout.Token);
            Xunit.Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
