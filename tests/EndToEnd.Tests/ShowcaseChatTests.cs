using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>The Showcase chat over real WebSockets: binding on open, broadcast, push from an HTTP endpoint, leave.</summary>
public sealed class ShowcaseChatTests
{
    [Fact]
    public async Task The_chat_binds_names_broadcasts_messages_and_pushes_from_http()
    {
        await using var showcase = await ShowcaseProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = showcase.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var alice = await ConnectAsync(showcase.BaseAddress, "alice");
        var aliceWelcome = await ReceiveAsync(alice);
        Assert.Equal("welcome", aliceWelcome.GetProperty("type").GetString());
        Assert.Equal("alice", aliceWelcome.GetProperty("name").GetString());
        var aliceId = aliceWelcome.GetProperty("id").GetInt64();
        Assert.Equal("join", (await ReceiveAsync(alice)).GetProperty("type").GetString());

        using var bob = await ConnectAsync(showcase.BaseAddress, "bob\u0007");
        Assert.Equal("bob", (await ReceiveAsync(bob)).GetProperty("name").GetString());
        var joined = await ReceiveAsync(alice);
        Assert.Equal(("join", "bob"), (joined.GetProperty("type").GetString(), joined.GetProperty("name").GetString()));
        Assert.Contains("\"name\":\"alice\"", await http.GetStringAsync("/chat/members"), StringComparison.Ordinal);

        await bob.SendAsync(Encoding.UTF8.GetBytes("hi alice"), WebSocketMessageType.Text, true, CancellationToken.None);
        var heard = await ReceiveUntilAsync(alice, "message");
        Assert.Equal(("bob", "hi alice"), (heard.GetProperty("name").GetString(), heard.GetProperty("text").GetString()));

        var push = await http.PostAsync($"/push/{aliceId}", new StringContent("from the server"));
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        var pushed = await ReceiveUntilAsync(alice, "message");
        Assert.Equal(("server", "from the server"), (pushed.GetProperty("name").GetString(), pushed.GetProperty("text").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/push/999999999", new StringContent("nobody"))).StatusCode);

        await bob.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        var left = await ReceiveUntilAsync(alice, "leave");
        Assert.Equal("bob", left.GetProperty("name").GetString());
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri baseAddress, string name)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new Uri($"ws://{baseAddress.Authority}/ws?name={Uri.EscapeDataString(name)}"), timeout.Token);
        return socket;
    }

    private static async Task<JsonElement> ReceiveUntilAsync(ClientWebSocket socket, string type)
    {
        while (true)
        {
            var message = await ReceiveAsync(socket);
            if (message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(chunk, timeout.Token);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            buffer.Write(chunk, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }
}
