using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// The test assembly's WebSocket handlers; mapped in every test host. Events end with "#<connection id>".

/// <summary>
/// Records every callback and says "welcome:&lt;id&gt;" on open. Echoes text as "echo:&lt;text&gt;" and binary as is;
/// "disconnect" closes from the server with 4000, "throw"/"throw-async" throw, "quiet" answers nothing.
/// </summary>
[WebSocketHandler("/ws/echo")]
[WebSocketHandler("/ws/echo-too")]
public sealed class EchoHandler(Recorder recorder) : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        recorder.Add($"open:path={request.Connection.Path}:user={request.User.Identity?.Name ?? "-"}:tag={request.Query["tag"]}#{request.ConnectionId}");
        if (request.Query.ContainsKey("fail-open"))
        {
            throw new InvalidOperationException("OnOpen failed on purpose");
        }

        await server.PushAsync(request.ConnectionId, $"welcome:{request.ConnectionId}");
    }

    public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame)
    {
        recorder.Add($"message:{frame.Opcode}:{frame.Payload.Length}#{frame.ConnectionId}");
        if (frame.Opcode == WebSocketMessageType.Binary)
        {
            return Ignore(server.PushAsync(frame.ConnectionId, frame.Payload, WebSocketMessageType.Binary));
        }

        return frame.Text switch
        {
            "throw" => throw new InvalidOperationException($"OnMessage failed on purpose for {frame.ConnectionId}"),
            "throw-async" => ThrowLaterAsync(),
            "quiet" => ValueTask.CompletedTask,
            "disconnect" => DisconnectAsync(server, frame.ConnectionId),
            var text => Ignore(server.PushAsync(frame.ConnectionId, "echo:" + text)),
        };
    }

    public ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason)
    {
        recorder.Add($"close:{(int?)status}:{reason}#{connectionId}");
        return ValueTask.CompletedTask;
    }

    private static async ValueTask DisconnectAsync(IWebSocketServer server, long id)
    {
        await server.PushAsync(id, "last words");
        await server.DisconnectAsync(id, (WebSocketCloseStatus)4000, "bye");
    }

    private static async ValueTask ThrowLaterAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("OnMessage failed asynchronously on purpose");
    }

    private static async ValueTask Ignore(ValueTask<bool> push) => await push;
}

/// <summary>Accepts only with ?key=open-sesame; otherwise 401 (or a throw with ?key=throw). Speaks chat.v2 and chat.v1.</summary>
[WebSocketHandler("/ws/guarded", SubProtocols = ["chat.v2", "chat.v1"])]
public sealed class GuardedHandler(Recorder recorder) : IWebSocketHandler
{
    public ValueTask<WebSocketHandshakeResult> OnHandshakeAsync(WebSocketHandshakeContext context)
    {
        var key = context.HttpContext.Request.Query["key"].ToString();
        recorder.Add($"handshake:key={key}:offered={string.Join(",", context.RequestedSubProtocols)}:agreed={context.AgreedSubProtocol}");
        return key switch
        {
            "open-sesame" => ValueTask.FromResult(WebSocketHandshakeResult.Accept(context.AgreedSubProtocol)),
            "throw" => throw new InvalidOperationException("OnHandshake failed on purpose"),
            _ => ValueTask.FromResult(WebSocketHandshakeResult.Reject(401)),
        };
    }

    public ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request)
    {
        recorder.Add($"guarded-open#{request.ConnectionId}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => ValueTask.CompletedTask;

    public ValueTask OnCloseAsync(IWebSocketServer server, long connectionId, WebSocketCloseStatus? status, string? reason)
    {
        recorder.Add($"guarded-close#{connectionId}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Authenticates a request by its X-Test-User header, for tests of the user seen in OnOpen.</summary>
public sealed class TestUserAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "TestUser";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var name = Request.Headers["X-Test-User"].ToString();
        if (name.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Name)));
    }
}

/// <summary>A ClientWebSocket with helpers to read whole messages, for the tests.</summary>
public sealed class TestWebSocket : IAsyncDisposable
{
    private TestWebSocket(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public static async Task<TestWebSocket> ConnectAsync(Uri baseAddress, string pathAndQuery, Action<ClientWebSocketOptions>? options = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        options?.Invoke(socket.Options);
        var uri = new Uri(new Uri(baseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), pathAndQuery);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new TestWebSocket(socket);
    }

    /// <summary>Connects to /ws/echo and reads the welcome, returning the connection id the server gave.</summary>
    public static async Task<(TestWebSocket Client, long Id)> ConnectEchoAsync(Uri baseAddress, string query = "", Action<ClientWebSocketOptions>? options = null)
    {
        var client = await ConnectAsync(baseAddress, "/ws/echo" + query, options);
        var welcome = await client.ReceiveTextAsync();
        Xunit.Assert.StartsWith("welcome:", welcome);
        return (client, long.Parse(welcome["welcome:".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task SendTextAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
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
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
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

    /// <summary>Reads messages until the server's close frame; returns the messages that came before it.</summary>
    public async Task<List<string>> ReceiveUntilCloseAsync(TimeSpan? timeout = null)
    {
        var messages = new List<string>();
        while (true)
        {
            var (type, payload) = await ReceiveAsync(timeout);
            if (type == WebSocketMessageType.Close)
            {
                return messages;
            }

            messages.Add(Encoding.UTF8.GetString(payload));
        }
    }

    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
