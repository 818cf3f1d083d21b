using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>The WebSocket server's behaviour; <see cref="WebSocketTestsWithThroughputProfile"/> runs every test again with the profile on.</summary>
public class WebSocketTests
{
    [Fact]
    public async Task A_connection_opens_exchanges_messages_and_closes_in_order()
    {
        await using var server = await TestServer.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress, "?tag=first");
        await using (client)
        {
            Assert.True(server.Server.WebSockets.IsEstablished(id));
            await client.SendTextAsync("hello");
            Assert.Equal("echo:hello", await client.ReceiveTextAsync());

            await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
        }

        var events = await server.Recorder.WaitForAsync(all => Recorder.Select(all, id.ToString()).Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        Assert.Equal(["open:path=/ws/echo:user=-:tag=first", "message:Text:5", "close:1000:done"], Recorder.Select(events, id.ToString()));
        Assert.False(server.Server.WebSockets.IsEstablished(id));
        Assert.False(await server.Server.WebSockets.PushAsync(id, "too late"));
    }

    [Fact]
    public async Task Connection_ids_are_unique_increasing_and_carry_the_node_id()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:NodeId"] = "5" });
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            await client.DisposeAsync();
            ids.Add(id);
        }

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(5, (int)(id >> 48)));
    }

    [Fact]
    public async Task One_handler_class_serves_each_of_its_paths()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/echo-too");
        Assert.StartsWith("welcome:", await client.ReceiveTextAsync());
        await client.SendTextAsync("again");
        Assert.Equal("echo:again", await client.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_handshake_the_handler_rejects_gets_its_status_and_never_opens()
    {
        await using var server = await TestServer.StartAsync();
        var rejected = new ClientWebSocket();
        rejected.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => rejected.ConnectAsync(WsUri(server, "/ws/guarded?key=wrong"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.HttpStatusCode);

        var failing = new ClientWebSocket();
        failing.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => failing.ConnectAsync(WsUri(server, "/ws/guarded?key=throw"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.InternalServerError, failing.HttpStatusCode);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Message.Contains("OnHandshakeAsync", StringComparison.Ordinal));

        Assert.DoesNotContain(server.Recorder.Events, e => e.StartsWith("guarded-", StringComparison.Ordinal));
        Assert.Equal(0, server.Server.WebSockets.Count);
    }

    [Fact]
    public async Task The_default_handshake_agrees_on_the_handlers_preferred_sub_protocol()
    {
        await using var server = await TestServer.StartAsync();
        await using var both = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/guarded?key=open-sesame", options =>
        {
            options.AddSubProtocol("chat.v1");
            options.AddSubProtocol("chat.v2");
        });
        Assert.Equal("chat.v2", both.Socket.SubProtocol);

        await using var older = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/guarded?key=open-sesame", options => options.AddSubProtocol("chat.v1"));
        Assert.Equal("chat.v1", older.Socket.SubProtocol);

        await using var none = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/guarded?key=open-sesame");
        Assert.Null(none.Socket.SubProtocol);
        Assert.Contains("handshake:key=open-sesame:offered=chat.v1,chat.v2:agreed=chat.v2", server.Recorder.Events);
    }

    [Fact]
    public async Task A_plain_request_to_a_websocket_path_is_answered_400()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.Client.GetAsync("/ws/echo");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task OnOpen_sees_the_user_that_authentication_middleware_set_on_the_upgrade_request()
    {
        await using var server = await TestServer.StartAsync(configure: builder =>
            builder.Services.AddAuthentication(TestUserAuthentication.Name)
                .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.Name, null));

        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress, "", options => options.SetRequestHeader("X-Test-User", "alice"));
        await using (client)
        {
            Assert.Contains("open:path=/ws/echo:user=alice:tag=", server.Recorder.For(id.ToString()));
            Assert.True(server.Server.WebSockets.TryGetConnection(id, out var connection));
            Assert.Equal("alice", connection.User.Identity?.Name);
        }
    }

    [Fact]
    public async Task Endpoint_conventions_apply_to_the_handshake_so_authorization_can_refuse_it()
    {
        await using var server = await TestServer.StartAsync(
            mapWebSockets: false,
            configure: builder =>
            {
                builder.Services.AddAuthentication(TestUserAuthentication.Name)
                    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.Name, null);
                builder.Services.AddAuthorization();
            },
            routes: app => app.MapWebSocketHandlers().RequireAuthorization());

        var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(WsUri(server, "/ws/echo"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);

        var (client, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress, "", options => options.SetRequestHeader("X-Test-User", "bob"));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task An_http_endpoint_pushes_to_a_connection_and_learns_when_it_is_gone()
    {
        await using var server = await TestServer.StartAsync(routes: app =>
            app.MapPost("/push/{id:long}", async (long id, HttpRequest request, IWebSocketServer webSockets) =>
            {
                using var reader = new StreamReader(request.Body);
                return await webSockets.PushAsync(id, await reader.ReadToEndAsync()) ? Results.Ok() : Results.NotFound();
            }));

        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            var response = await server.Client.PostAsync($"/push/{id}", new StringContent("from http"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("from http", await client.ReceiveTextAsync());

            Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync($"/push/{id + 1000}", new StringContent("nobody"))).StatusCode);
            await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        await server.Recorder.WaitForAsync(all => Recorder.Select(all, id.ToString()).Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync($"/push/{id}", new StringContent("closed"))).StatusCode);
    }

    [Fact]
    public async Task Pushing_a_control_frame_type_is_refused_and_pushing_to_an_unknown_id_is_false()
    {
        await using var server = await TestServer.StartAsync();
        var webSockets = server.Server.WebSockets;

        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            Assert.True(webSockets.TryGetConnection(id, out var connection));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await webSockets.PushAsync(id, new byte[] { 1 }, WebSocketMessageType.Close));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await connection.PushAsync(new byte[] { 1 }, WebSocketMessageType.Close));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await webSockets.BroadcastAsync(new byte[] { 1 }, WebSocketMessageType.Close));

            Assert.False(await webSockets.PushAsync(id + 1000, "nobody"));
            Assert.False(await webSockets.PushAsync(-1, new byte[] { 1 }));

            // The refused pushes left the connection working.
            Assert.True(await webSockets.PushAsync(id, "still open"));
            Assert.Equal("still open", await client.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task A_background_service_pushes_to_a_connection()
    {
        var jobs = Channel.CreateUnbounded<(long Id, string Text)>();
        await using var server = await TestServer.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton(jobs);
            builder.Services.AddHostedService<PushingService>();
        });

        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            await jobs.Writer.WriteAsync((id, "from the background"));
            Assert.Equal("from the background", await client.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task A_broadcast_reaches_every_connection_the_filter_accepts()
    {
        await using var server = await TestServer.StartAsync();
        var clients = new List<(TestWebSocket Client, long Id)>();
        for (var i = 0; i < 40; i++)
        {
            clients.Add(await TestWebSocket.ConnectEchoAsync(server.BaseAddress));
        }

        try
        {
            Assert.Equal(40, await server.Server.WebSockets.BroadcastAsync("to everyone"));
            foreach (var (client, _) in clients)
            {
                Assert.Equal("to everyone", await client.ReceiveTextAsync());
            }

            var even = await server.Server.WebSockets.BroadcastAsync(Encoding.UTF8.GetBytes("to the even ones"), WebSocketMessageType.Text, connection => connection.Id % 2 == 0);
            Assert.Equal(clients.Count(c => c.Id % 2 == 0), even);
            Assert.Equal(40, server.Server.WebSockets.Connections.Count());

            // Each client now gets "echo:mark"; the even ones get the broadcast before it, the odd ones nothing else.
            foreach (var (client, id) in clients)
            {
                await client.SendTextAsync("mark");
                if (id % 2 == 0)
                {
                    Assert.Equal("to the even ones", await client.ReceiveTextAsync());
                }

                Assert.Equal("echo:mark", await client.ReceiveTextAsync());
            }
        }
        finally
        {
            foreach (var (client, _) in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Fragmented_messages_reach_the_handler_whole()
    {
        await using var server = await TestServer.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            // "héllo wörld €" split inside multi-byte characters.
            var text = Encoding.UTF8.GetBytes("héllo wörld €");
            Assert.Equal(17, text.Length);
            await client.Socket.SendAsync(text.AsMemory(0, 2), WebSocketMessageType.Text, false, CancellationToken.None);
            await client.Socket.SendAsync(text.AsMemory(2, 9), WebSocketMessageType.Text, false, CancellationToken.None);
            await client.Socket.SendAsync(text.AsMemory(11), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal("echo:héllo wörld €", await client.ReceiveTextAsync());

            // A binary message larger than the first receive buffer, in many fragments.
            var binary = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 7)).ToArray();
            for (var offset = 0; offset < binary.Length; offset += 3_000)
            {
                var length = Math.Min(3_000, binary.Length - offset);
                await client.Socket.SendAsync(binary.AsMemory(offset, length), WebSocketMessageType.Binary, offset + length == binary.Length, CancellationToken.None);
            }

            var (type, echoed) = await client.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(binary, echoed);
            Assert.Equal(["message:Text:17", "message:Binary:50000"], server.Recorder.For(id.ToString()).Where(e => e.StartsWith("message:", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task An_oversized_message_closes_its_connection_with_1009_and_only_that_one()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:MaxMessageSize"] = "1024" });
        var (bystander, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (bystander)
        await using (client)
        {
            await client.SendTextAsync(new string('x', 1024));
            Assert.Equal("echo:" + new string('x', 1024), await client.ReceiveTextAsync());

            await client.SendTextAsync(new string('y', 1025));
            Assert.Empty(await client.ReceiveUntilCloseAsync());
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.Socket.CloseStatus);

            await bystander.SendTextAsync("still here");
            Assert.Equal("echo:still here", await bystander.ReceiveTextAsync());
        }

        await server.Recorder.WaitForAsync(all => Recorder.Select(all, id.ToString()).Contains("close:1009:message too big"));
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains($"connection {id} sent a message over 1024 bytes", StringComparison.Ordinal));
        Assert.DoesNotContain("message:Text:1025", server.Recorder.For(id.ToString()));
    }

    [Fact]
    public async Task A_client_that_stops_reading_is_closed_with_1008_without_holding_up_others()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:SendQueueSize"] = "65536" });
        var (slow, slowId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (fast, fastId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (slow)
        await using (fast)
        {
            // The slow client never reads: kernel buffers fill, then its queue, then the server gives up on it.
            var chunk = new byte[16 * 1024];
            var accepted = 0;
            while (await server.Server.WebSockets.PushAsync(slowId, chunk))
            {
                accepted++;
                Assert.True(accepted < 100_000, "The slow client's queue never filled up.");
                if (accepted % 64 == 0)
                {
                    // Meanwhile another connection is served at once.
                    Assert.True(await server.Server.WebSockets.PushAsync(fastId, $"ping {accepted}"));
                    Assert.Equal($"ping {accepted}", await fast.ReceiveTextAsync());
                }
            }

            Assert.False(server.Server.WebSockets.IsEstablished(slowId));
            await server.Recorder.WaitForAsync(all => Recorder.Select(all, slowId.ToString()).Contains("close:1008:send queue full"));
            Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains($"connection {slowId} reads too slowly", StringComparison.Ordinal));

            await fast.SendTextAsync("after");
            Assert.Equal("echo:after", await fast.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task Heartbeat_closes_a_connection_that_sends_nothing_and_keeps_one_that_talks()
    {
        await using var server = await TestServer.StartAsync(new()
        {
            ["Resident:HeartbeatIdleTime"] = "3",
            ["Resident:HeartbeatCheckInterval"] = "1",
        });
        var (idle, idleId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (talker, talkerId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (idle)
        await using (talker)
        {
            var idleClosed = idle.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(60));
            while (!idleClosed.IsCompleted)
            {
                await talker.SendTextAsync("quiet");
                await Task.WhenAny(idleClosed, Task.Delay(250));
            }

            Assert.Empty(await idleClosed);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, idle.Socket.CloseStatus);
            Assert.True(server.Server.WebSockets.IsEstablished(talkerId));
            await talker.SendTextAsync("still talking");
            Assert.Equal("echo:still talking", await talker.ReceiveTextAsync());
        }

        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains($"connection {idleId} sent nothing for 3 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_throws_is_logged_with_the_connection_id_and_the_connection_stays_open()
    {
        await using var server = await TestServer.StartAsync();
        var client = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/echo?fail-open=1");
        await using (client)
        {
            // OnOpen threw before its welcome; the connection is open all the same.
            await client.SendTextAsync("throw");
            await client.SendTextAsync("throw-async");
            await client.SendTextAsync("ping");
            Assert.Equal("echo:ping", await client.ReceiveTextAsync());
            Assert.True(server.Server.WebSockets.IsEstablished(server.Server.WebSockets.Connections.Single().Id));
        }

        var failures = server.Logs.Entries.Where(entry => entry.Level == LogLevel.Error && entry.Category.Contains("WebSocket", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, entry => entry.Message.Contains("OnOpenAsync", StringComparison.Ordinal) && entry.Exception?.Message == "OnOpen failed on purpose");
        Assert.Contains(failures, entry => entry.Message.Contains("OnMessageAsync", StringComparison.Ordinal) && entry.Exception!.Message.StartsWith("OnMessage failed on purpose", StringComparison.Ordinal));
        Assert.Contains(failures, entry => entry.Message.Contains("OnMessageAsync", StringComparison.Ordinal) && entry.Exception?.Message == "OnMessage failed asynchronously on purpose");
        var syncFailure = failures.Single(entry => entry.Exception!.Message.StartsWith("OnMessage failed on purpose for ", StringComparison.Ordinal));
        var failedId = syncFailure.Exception!.Message["OnMessage failed on purpose for ".Length..];
        Assert.Contains($"connection {failedId}", syncFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_pushes_to_one_connection_arrive_whole_and_in_order_per_sender()
    {
        await using var server = await TestServer.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            const int Senders = 10;
            const int PerSender = 10;
            var next = new int[Senders];
            var receiving = Task.Run(async () =>
            {
                for (var received = 0; received < Senders * PerSender; received++)
                {
                    var parts = (await client.ReceiveTextAsync()).Split(':');
                    var (sender, index, length, padding) = (int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]), parts[3]);
                    Assert.Equal(next[sender]++, index);
                    Assert.Equal(length, padding.Length);
                    Assert.All(padding, c => Assert.Equal((char)('a' + sender), c));
                }
            });

            using var start = new ManualResetEventSlim();
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                start.Wait();
                for (var i = 0; i < PerSender; i++)
                {
                    // Up to 16 KB each, so sends overlap and queue up while all 100 (at most 1.6 MB) fit the 2 MiB send queue.
                    var padding = new string((char)('a' + sender), (sender * 7919 + i * 104729) % 16_000);
                    Assert.True(await server.Server.WebSockets.PushAsync(id, $"{sender}:{i}:{padding.Length}:{padding}"));
                }
            })).ToArray();
            start.Set();
            await Task.WhenAll(senders);
            await receiving;

            Assert.All(next, count => Assert.Equal(PerSender, count));
        }
    }

    [Fact]
    public async Task Disconnect_sends_what_was_queued_then_the_close_code()
    {
        await using var server = await TestServer.StartAsync();
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            await client.SendTextAsync("disconnect");
            Assert.Equal(["last words"], await client.ReceiveUntilCloseAsync());
            Assert.Equal((WebSocketCloseStatus)4000, client.Socket.CloseStatus);
            Assert.Equal("bye", client.Socket.CloseStatusDescription);
        }

        await server.Recorder.WaitForAsync(all => Recorder.Select(all, id.ToString()).Contains("close:4000:bye"));
        Assert.False(await server.Server.WebSockets.DisconnectAsync(id));
    }

    [Fact]
    public async Task Max_connections_answers_503_until_a_place_frees_up()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:MaxConnections"] = "2" });
        var (first, firstId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (second, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (second)
        {
            var third = new ClientWebSocket();
            third.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(WsUri(server, "/ws/echo"), CancellationToken.None));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, third.HttpStatusCode);

            await first.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            await first.DisposeAsync();
            await server.Recorder.WaitForAsync(all => Recorder.Select(all, firstId.ToString()).Any(e => e.StartsWith("close:", StringComparison.Ordinal)));

            var (fourth, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            await fourth.DisposeAsync();
        }
    }

    [Fact]
    public async Task Only_allowed_origins_may_connect_and_clients_without_an_origin_always_may()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:AllowedOrigins:0"] = "https://good.example" });
        var evil = new ClientWebSocket();
        evil.Options.CollectHttpResponseDetails = true;
        evil.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => evil.ConnectAsync(WsUri(server, "/ws/echo"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, evil.HttpStatusCode);

        var (good, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress, "", options => options.SetRequestHeader("Origin", "https://GOOD.example"));
        await good.DisposeAsync();
        var (noOrigin, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await noOrigin.DisposeAsync();
    }

    [Fact]
    public async Task A_malformed_frame_closes_only_its_own_connection()
    {
        await using var server = await TestServer.StartAsync();
        var (bystander, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (bystander)
        {
            using var raw = new TcpClient();
            var stream = await RawUpgradeAsync(raw, server);

            // A client frame must be masked; this one is not, and sets a reserved bit too.
            await stream.WriteAsync(new byte[] { 0xF1, 0x05, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer, timeout.Token) > 0)
                {
                    // Drain the welcome and the close frame until the server ends the connection.
                }
            }
            catch (IOException)
            {
                // A reset ends it too.
            }


            await bystander.SendTextAsync("unaffected");
            Assert.Equal("echo:unaffected", await bystander.ReceiveTextAsync());
        }

        // The broken connection got its OnClose (without a status: there was no close handshake) and a log line.
        var events = await server.Recorder.WaitForAsync(all => all.Any(e => e.StartsWith("close::", StringComparison.Ordinal)));
        Assert.Single(events, e => e.StartsWith("close:", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("ended without a close handshake", StringComparison.Ordinal));
        Assert.Equal(["message:Text:10"], events.Where(e => e.StartsWith("message:", StringComparison.Ordinal)).Select(e => e[..e.IndexOf('#')]));
    }

    [Fact]
    public async Task Stopping_the_server_closes_connections_with_1001_instead_of_waiting_for_clients()
    {
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "120" });
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            var closed = client.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(60));
            var stopping = Stopwatch.StartNew();
            await server.DisposeAsync();

            // Without the 1001 close the stop would wait MaxWaitTime (120 s) for the connection to end.
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(60), $"The stop took {stopping.Elapsed}.");
            Assert.Empty(await closed);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.Socket.CloseStatus);
        }

        Assert.Contains("close:1001:server stopping", server.Recorder.For(id.ToString()));
    }

    private static Uri WsUri(TestServer server, string pathAndQuery) =>
        new(new Uri(server.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal)), pathAndQuery);

    [Fact]
    public async Task Keep_alive_drops_a_client_that_never_answers_pings()
    {
        await using var server = await TestServer.StartAsync(new()
        {
            ["Resident:WebSocket:KeepAliveInterval"] = "1",
            ["Resident:WebSocket:KeepAliveTimeout"] = "1",
        });

        // A raw client that reads but never answers a ping with a pong.
        using var raw = new TcpClient();
        var stream = await RawUpgradeAsync(raw, server);
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (IOException)
        {
            // A reset ends it too.
        }

        // The server pinged (opcode 0x9) before it gave up on the connection.
        Assert.Contains((byte)0x89, received);
        await server.Recorder.WaitForAsync(all => all.Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        Assert.Equal(0, server.Server.WebSockets.Count);
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_is_dropped_after_CloseTimeout_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:CloseTimeout"] = "5" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));

        // A raw client that reads but never answers the server's close frame.
        using var raw = new TcpClient();
        var stream = await RawUpgradeAsync(raw, server);
        var opened = await server.Recorder.WaitForAsync(all => all.Any(e => e.StartsWith("open:", StringComparison.Ordinal)));
        var id = long.Parse(opened.First(e => e.StartsWith("open:", StringComparison.Ordinal)).Split('#')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await server.Server.WebSockets.DisconnectAsync(id, WebSocketCloseStatus.PolicyViolation, "bye"));

        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!received.Contains(0x88))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "The connection ended before the close frame came.");
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        // Still held open for the client's answer until CloseTimeout has passed on the server's clock.
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, server.Server.WebSockets.Count);
        clock.Advance(TimeSpan.FromSeconds(1));
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A reset ends it too.
        }

        await server.Recorder.WaitForAsync(all => all.Any(e => e.StartsWith("close:", StringComparison.Ordinal)));
        Assert.Equal(0, server.Server.WebSockets.Count);
    }

    /// <summary>Opens /ws/echo by hand on a raw TCP connection and returns the stream after the 101 response.</summary>
    private static async Task<NetworkStream> RawUpgradeAsync(TcpClient raw, TestServer server)
    {
        await raw.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = raw.GetStream();
        var handshake = $"GET /ws/echo HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake));

        var response = await ReadUntilAsync(stream, "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101", response, StringComparison.Ordinal);
        return stream;
    }

    private static async Task<string> ReadUntilAsync(NetworkStream stream, string terminator)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.ToString().EndsWith(terminator, StringComparison.Ordinal) && await stream.ReadAsync(one, timeout.Token) == 1)
        {
            text.Append((char)one[0]);
        }

        return text.ToString();
    }

    private sealed class PushingService(Channel<(long Id, string Text)> jobs, IWebSocketServer webSockets) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await foreach (var (id, text) in jobs.Reader.ReadAllAsync(stoppingToken))
            {
                await webSockets.PushAsync(id, text);
            }
        }
    }
}
