using System.Net.WebSockets;
using System.Text;

namespace Resident.Redis.Tests;

/// <summary>The WebSocket handler of the cluster tests' in-process nodes: says "welcome:&lt;id&gt;" on open, echoes text.</summary>
[WebSocketHandler("/ws/cluster")]
public sealed class ClusterEchoHandler : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) =>
        await server.PushAsync(request.ConnectionId, $"welcome:{request.ConnectionId}");

    public async ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) =>
        await server.PushAsync(frame.ConnectionId, "echo:" + frame.Text);
}

/// <summary>A ClientWebSocket connected to /ws/cluster, with helpers to read whole messages.</summary>
public sealed class ClusterClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private ClusterClient(ClientWebSocket socket, long id)
    {
        Socket = socket;
        Id = id;
    }

    public ClientWebSocket Socket { get; }

    /// <summary>The connection id the server gave (read from its welcome).</summary>
    public long Id { get; }

    public static async Task<ClusterClient> ConnectAsync(Uri baseAddress)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await socket.ConnectAsync(new Uri(baseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws/cluster"), timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new ClusterClient(socket, 0);
        var welcome = await client.ReceiveTextAsync();
        Xunit.Assert.StartsWith("welcome:", welcome);
        return new ClusterClient(socket, long.Parse(welcome["welcome:".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<string> ReceiveTextAsync()
    {
        var (type, payload) = await ReceiveAsync();
        Xunit.Assert.Equal(WebSocketMessageType.Text, type);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>Reads one whole message; a close frame comes back as (Close, empty).</summary>
    public async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        using var cancel = new CancellationTokenSource(timeout ?? Patience);
        while (true)
        {
            var result = await Socket.ReceiveAsync(chunk, cancel.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }

            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, buffer.ToArray());
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
