using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace WebSocketBench;

/// <summary>
/// Raw mode: what an ASP.NET Core user writes without Resident. The echo loop is the one of the ASP.NET Core
/// documentation (a 4 KiB buffer, ReceiveAsync, SendAsync); the open sockets sit in a dictionary, and a broadcast
/// sends to each in turn under the socket's SemaphoreSlim, so it never overlaps with the echo's send.
/// </summary>
internal sealed class RawRegistry
{
    private readonly ConcurrentDictionary<long, Client> _clients = new();
    private long _nextId;

    public int Count => _clients.Count;

    public async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
        var client = new Client(webSocket);
        var id = Interlocked.Increment(ref _nextId);
        _clients[id] = client;
        try
        {
            await EchoAsync(client);
        }
        catch (Exception exception) when (exception is WebSocketException or IOException or OperationCanceledException)
        {
            // The client went away without a close handshake.
        }
        finally
        {
            _clients.TryRemove(id, out _);
        }
    }

    private static async Task EchoAsync(Client client)
    {
        var webSocket = client.Socket;
        var buffer = new byte[1024 * 4];
        var receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);

        while (!receiveResult.CloseStatus.HasValue)
        {
            await client.Lock.WaitAsync();
            try
            {
                await webSocket.SendAsync(
                    new ArraySegment<byte>(buffer, 0, receiveResult.Count),
                    receiveResult.MessageType,
                    receiveResult.EndOfMessage,
                    CancellationToken.None);
            }
            finally
            {
                client.Lock.Release();
            }

            receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
        }

        await client.Lock.WaitAsync();
        try
        {
            await webSocket.CloseAsync(receiveResult.CloseStatus.Value, receiveResult.CloseStatusDescription, CancellationToken.None);
        }
        finally
        {
            client.Lock.Release();
        }
    }

    public async Task<long> BroadcastAsync(byte[] payload, int count)
    {
        long sent = 0;
        for (var i = 0; i < count; i++)
        {
            foreach (var (_, client) in _clients)
            {
                await client.Lock.WaitAsync();
                try
                {
                    if (client.Socket.State == WebSocketState.Open)
                    {
                        await client.Socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
                        sent++;
                    }
                }
                catch (Exception exception) when (exception is WebSocketException or IOException or ObjectDisposedException)
                {
                    // That client is gone; the others still get the message.
                }
                finally
                {
                    client.Lock.Release();
                }
            }
        }

        return sent;
    }

    private sealed class Client(WebSocket socket)
    {
        public WebSocket Socket { get; } = socket;

        public SemaphoreSlim Lock { get; } = new(1, 1);
    }
}
