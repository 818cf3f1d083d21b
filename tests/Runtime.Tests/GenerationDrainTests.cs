using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Http;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// A worker generation retires without failing a request: it stops accepting, closes keep-alive connections after
/// their current response, closes WebSockets with 1012, then stops; and MaxRequest raises its signal once.
/// </summary>
public sealed class GenerationDrainTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Keep_alive_clients_in_a_tight_loop_end_with_Connection_close_and_no_failure_while_the_worker_retires()
    {
        var unixPath = Path.Combine(Path.GetTempPath(), $"resident-drain-{Guid.NewGuid():N}.sock");
        var server = await TestServer.StartAsync(new() { ["Resident:Socket"] = unixPath, ["Resident:MaxWaitTime"] = "30" });
        await using (server)
        {
            var transport = server.App.Services.GetRequiredService<DrainableTransportFactory>();
            Assert.Equal(2, transport.AcceptingListeners);

            var clients = Enumerable.Range(0, 6).Select(_ => TcpClient(server.BaseAddress))
                .Append(UnixSocketClient(unixPath)).Append(UnixSocketClient(unixPath)).ToArray();
            var loops = clients.Select(client => new ClientLoop(client)).ToArray();
            var running = loops.Select(loop => loop.RunUntilConnectionCloseAsync("/plaintext")).ToArray();
            await Wait.UntilAsync(() => loops.All(loop => loop.Succeeded >= 20), "every client to be in its keep-alive loop");
            Assert.All(loops, loop => Assert.Equal(0, loop.ClosedResponses));

            var drain = server.App.Services.GetRequiredService<GenerationDrain>();
            var retire = drain.RetireAsync("reload", CancellationToken.None);
            await Task.WhenAll(running).WaitAsync(Bound);
            await retire.WaitAsync(Bound);

            // Every client finished its in-flight request and was told to close: no error, no non-2xx, one close each.
            Assert.All(loops, loop => Assert.Empty(loop.Failures));
            Assert.All(loops, loop => Assert.Equal(1, loop.ClosedResponses));
            Assert.True(drain.IsRetiring);
            Assert.True(transport.IsStopped);
            Assert.Equal(0, transport.AcceptingListeners);

            // Nothing accepts any more: this process held the only listen sockets, so connecting is refused.
            await AssertRefusedAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port));
            await AssertRefusedAsync(new UnixDomainSocketEndPoint(unixPath));

            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Retiring this worker (reload): 2 listener(s) stopped accepting", StringComparison.Ordinal));
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Every connection of the retiring worker has left", StringComparison.Ordinal));
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Stopped (reload) in ", StringComparison.Ordinal));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_request_in_progress_when_the_retire_begins_completes()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "30" }, routes: app => app.MapGet("/slow", async () =>
        {
            entered.TrySetResult();
            await release.Task;
            return "finished";
        }));
        await using (server)
        {
            using var client = TcpClient(server.BaseAddress);
            var slow = client.GetAsync("/slow");
            await entered.Task.WaitAsync(Bound);

            var drain = server.App.Services.GetRequiredService<GenerationDrain>();
            var retire = drain.RetireAsync("reload", CancellationToken.None);
            await Wait.UntilAsync(() => server.Logs.Entries.Any(entry => entry.Message.StartsWith("Retiring this worker", StringComparison.Ordinal)), "the retirement to begin");
            await AssertRefusedAsync(new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port));
            Assert.False(retire.IsCompleted, "The retirement did not wait for the request in progress.");

            release.SetResult();
            var response = await slow.WaitAsync(Bound);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("finished", await response.Content.ReadAsStringAsync());

            // The client leaves (its connection closes), which ends the wait for connections before the grace period.
            client.Dispose();
            await retire.WaitAsync(Bound);
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Every connection of the retiring worker has left", StringComparison.Ordinal));
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Stopped (reload) in ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_between_requests_after_the_grace_period()
    {
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "30" });
        await using (server)
        {
            using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await idle.ConnectAsync(IPAddress.Loopback, server.BaseAddress.Port);
            await using var stream = new NetworkStream(idle, ownsSocket: false);
            var first = await RawRequestAsync(stream);
            Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
            Assert.DoesNotContain("Connection: close", first, StringComparison.OrdinalIgnoreCase);

            var drain = server.App.Services.GetRequiredService<GenerationDrain>();
            drain.ConnectionGrace = TimeSpan.FromMilliseconds(300);
            await drain.RetireAsync("reload", CancellationToken.None).WaitAsync(Bound);

            // The connection that sent nothing held the wait for the grace period, then the graceful stop closed it
            // cleanly (end of stream, not a reset).
            Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("1 connection(s) of the retiring worker still open after 0.3 s", StringComparison.Ordinal));
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(Bound);
            Assert.Equal(0, await stream.ReadAsync(buffer, timeout.Token));
        }
    }

    [Fact]
    public async Task WebSocket_clients_get_close_status_1012_service_restart()
    {
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "30" });
        await using (server)
        {
            var (client, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            await using (client)
            {
                var closed = client.ReceiveUntilCloseAsync(Bound);
                var retire = server.App.Services.GetRequiredService<GenerationDrain>().RetireAsync("reload", CancellationToken.None);

                Assert.Empty(await closed);
                Assert.Equal((WebSocketCloseStatus)1012, client.Socket.CloseStatus);
                Assert.Equal("service restart", client.Socket.CloseStatusDescription);
                await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                await retire.WaitAsync(Bound);
            }

            // A later stop of the same server keeps the reload's status.
            Assert.Equal((WebSocketCloseStatus)1012, server.App.Services.GetRequiredService<Resident.WebSockets.WebSocketServer>().ShutdownClose.Status);
        }
    }

    [Fact]
    public async Task MaxRequest_signals_exactly_once_at_the_Nth_request_and_not_before()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:MaxRequest"] = "5" });
        var drain = server.App.Services.GetRequiredService<GenerationDrain>();
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
            Assert.False(drain.MaxRequestReached.IsCompleted, $"MaxRequest (5) was signalled after {i} request(s).");
        }

        Assert.Equal("Hello, World!", await server.Client.GetStringAsync("/plaintext"));
        await drain.MaxRequestReached.WaitAsync(Bound);

        // Requests after the Nth are served as usual and signal nothing more.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Client.GetStringAsync("/plaintext")));
        Assert.Single(server.Logs.Entries, entry => entry.Message.StartsWith("This worker has served MaxRequest (5) requests", StringComparison.Ordinal));
        Assert.False(drain.IsRetiring, "MaxRequest only signals; the worker's supervisor decides when to retire.");

        // Inline (no master) nothing recycles: said once, at start.
        Assert.Single(server.Logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.StartsWith("Resident:MaxRequest is 5, but workers are recycled only in the supervised mode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxRequest_is_signalled_once_when_many_requests_race_past_it()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:MaxRequest"] = "25" });
        var drain = server.App.Services.GetRequiredService<GenerationDrain>();
        var clients = Enumerable.Range(0, 8).Select(_ => TcpClient(server.BaseAddress)).ToArray();
        await Task.WhenAll(clients.Select(async client =>
        {
            for (var i = 0; i < 10; i++)
            {
                await client.GetStringAsync("/plaintext");
            }
        }));

        await drain.MaxRequestReached.WaitAsync(Bound);
        Assert.Equal(80, server.Server.RequestCount);
        Assert.Single(server.Logs.Entries, entry => entry.Message.StartsWith("This worker has served MaxRequest (25) requests", StringComparison.Ordinal));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task MaxRequest_0_never_signals_and_says_nothing()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await server.Client.GetStringAsync("/plaintext");
        }

        Assert.False(server.App.Services.GetRequiredService<GenerationDrain>().MaxRequestReached.IsCompleted);
        Assert.DoesNotContain(server.Logs.Entries, entry => entry.Message.Contains("MaxRequest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_servers_on_one_inherited_socket_reload_under_load_without_a_failed_request()
    {
        // What the master does: one listening socket, created once; each generation serves it through ListenHandle.
        // In one process each server gets its own descriptor of the socket (dup), as each worker process has its own.
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen(512);
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)listening.LocalEndPoint!).Port}");
        var descriptors = new List<int>();
        try
        {
            var old = await StartOnSharedSocketAsync(listening, descriptors, "old");
            await using (old)
            {
                var clients = Enumerable.Range(0, 8).Select(_ => TcpClient(address)).ToArray();
                var loops = clients.Select(client => new ClientLoop(client)).ToArray();
                using var stop = new CancellationTokenSource();
                var running = loops.Select(loop => loop.RunAsync("/generation", stop.Token)).ToArray();
                await Wait.UntilAsync(() => loops.All(loop => loop.Answers("old") >= 10), "every client to be served by the old generation");

                // The next generation starts on the same socket, then the old one retires under load.
                var next = await StartOnSharedSocketAsync(listening, descriptors, "next");
                await using (next)
                {
                    await old.App.Services.GetRequiredService<GenerationDrain>().RetireAsync("reload", CancellationToken.None).WaitAsync(Bound);
                    var servedByOld = loops.Select(loop => loop.Answers("old")).ToArray();
                    var servedByNext = loops.Select(loop => loop.Answers("next")).ToArray();
                    await Wait.UntilAsync(() => loops.Select((loop, i) => loop.Answers("next") - servedByNext[i]).All(count => count >= 10),
                        "every client to be served by the next generation after the retirement");

                    stop.Cancel();
                    await Task.WhenAll(running).WaitAsync(Bound);

                    Assert.All(loops, loop => Assert.Empty(loop.Failures));

                    // Once a client reached the next generation it never reached the old one again. The retirement ends when
                    // the old generation's connections are closed, which can be before a client has read the last response it
                    // was sent, so each client may count at most that one in-flight answer after RetireAsync returned.
                    Assert.All(loops, loop => Assert.Equal("old* next*", loop.Shape("old", "next")));
                    Assert.All(loops.Select((loop, i) => loop.Answers("old") - servedByOld[i]), extra => Assert.InRange(extra, 0, 1));

                    // Each client's connection to the old generation ended with a response that said so.
                    Assert.All(loops, loop => Assert.True(loop.ClosedResponses >= 1, "A client's connection to the old generation did not end with Connection: close."));
                    Assert.Contains(old.Logs.Entries, entry => entry.Message.StartsWith("Stopped (reload) in ", StringComparison.Ordinal));
                }

                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        finally
        {
            foreach (var descriptor in descriptors)
            {
                _ = close(descriptor);
            }
        }
    }

    [Fact]
    public async Task A_listener_stopped_on_an_inherited_socket_leaves_new_connections_to_the_next_generation_and_keeps_its_own()
    {
        using var listening = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listening.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listening.Listen(512);
        var endpoint = (IPEndPoint)listening.LocalEndPoint!;
        var descriptors = new List<int>();
        try
        {
            var old = await StartOnSharedSocketAsync(listening, descriptors, "old");
            await using (old)
            {
                using var kept = TcpClient(new Uri($"http://127.0.0.1:{endpoint.Port}"));
                Assert.Equal("old", await kept.GetStringAsync("/generation"));

                // The inherited socket and Resident's own 127.0.0.1:0 listener.
                Assert.Equal(2, await old.App.Services.GetRequiredService<DrainableTransportFactory>().StopAcceptingAsync());

                // A client connecting now waits in the socket's queue (the socket still listens: others hold it)…
                using var waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await waiting.ConnectAsync(endpoint);
                await using var waitingStream = new NetworkStream(waiting, ownsSocket: false);
                await waitingStream.WriteAsync("GET /generation HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());

                // …and the connection the old generation had already accepted is still served.
                Assert.Equal("old", await kept.GetStringAsync("/generation"));

                var next = await StartOnSharedSocketAsync(listening, descriptors, "next");
                await using (next)
                {
                    Assert.StartsWith("HTTP/1.1 200", await ReadResponseAsync(waitingStream, "next"), StringComparison.Ordinal);
                    for (var i = 0; i < 10; i++)
                    {
                        using var fresh = TcpClient(new Uri($"http://127.0.0.1:{endpoint.Port}"));
                        Assert.Equal("next", await fresh.GetStringAsync("/generation"));
                    }

                    Assert.Equal("old", await kept.GetStringAsync("/generation"));
                }
            }
        }
        finally
        {
            foreach (var descriptor in descriptors)
            {
                _ = close(descriptor);
            }
        }
    }

    private static async Task<string> ReadResponseAsync(NetworkStream stream, string until)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Bound);
        while (!received.ToString().Contains(until, StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "The server closed the connection before answering.");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    private static async Task<TestServer> StartOnSharedSocketAsync(Socket listening, List<int> descriptors, string generation)
    {
        var descriptor = dup((int)listening.Handle);
        Assert.True(descriptor >= 0, $"dup failed: {Marshal.GetLastPInvokeError()}");
        descriptors.Add(descriptor);
        return await TestServer.StartAsync(
            new() { ["Resident:MaxWaitTime"] = "30" },
            routes: app => app.MapGet("/generation", () => generation),
            configure: builder => builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(provider =>
                new ConfigureOptions<KestrelServerOptions>(kestrel => kestrel.ListenHandle((ulong)descriptor, listen =>
                    ResidentKestrelSetup.CountConnections(listen, provider.GetRequiredService<ResidentServer>(), provider.GetRequiredService<ConnectionDrain>())))),
            mapWebSockets: false);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int descriptor);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int descriptor);

    /// <summary>One keep-alive client sending requests one after another, as wrk does on each of its connections.</summary>
    private sealed class ClientLoop(HttpClient client)
    {
        private readonly ConcurrentQueue<string> _answers = new();
        private int _succeeded;
        private int _closedResponses;

        public ConcurrentQueue<string> Failures { get; } = new();

        public int Succeeded => Volatile.Read(ref _succeeded);

        public int ClosedResponses => Volatile.Read(ref _closedResponses);

        public int Answers(string body) => _answers.Count(answer => answer == body);

        /// <summary>"first* second*" when every <paramref name="first"/> answer came before every <paramref name="second"/> one; otherwise the answers in order.</summary>
        public string Shape(string first, string second)
        {
            var answers = _answers.ToArray();
            var firstSecond = Array.IndexOf(answers, second);
            var ordered = firstSecond < 0 || Array.LastIndexOf(answers, first) < firstSecond;
            return ordered ? $"{first}* {second}*" : string.Join(' ', answers);
        }

        /// <summary>Sends requests until a response says <c>Connection: close</c>.</summary>
        public async Task RunUntilConnectionCloseAsync(string path)
        {
            while (Failures.IsEmpty && !await SendAsync(path))
            {
            }
        }

        /// <summary>Sends requests until <paramref name="stop"/> is signalled, reconnecting whenever told to close.</summary>
        public async Task RunAsync(string path, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested && Failures.IsEmpty)
            {
                await SendAsync(path);
            }
        }

        // Returns whether the response asked to close the connection.
        private async Task<bool> SendAsync(string path)
        {
            try
            {
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Failures.Enqueue($"{(int)response.StatusCode} {body}");
                    return false;
                }

                _answers.Enqueue(body);
                Interlocked.Increment(ref _succeeded);
                if (response.Headers.ConnectionClose == true)
                {
                    Interlocked.Increment(ref _closedResponses);
                    return true;
                }

                return false;
            }
            catch (Exception exception)
            {
                Failures.Enqueue(exception.ToString());
                return false;
            }
        }
    }

    // One client, one connection at a time; retries of the handler never hide a failed request from the test.
    private static HttpClient TcpClient(Uri baseAddress) => new(new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    // Idle connections stay pooled: the drain must close them itself.
    private static HttpClient UnixSocketClient(string path) => HttpServerTests.UnixSocketClient(path, Timeout.InfiniteTimeSpan);

    private static async Task<string> RawRequestAsync(NetworkStream stream)
    {
        await stream.WriteAsync("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Bound);
        while (!received.ToString().Contains("Hello, World!", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "The server closed the connection before answering.");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    private static async Task AssertRefusedAsync(EndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(endpoint).WaitAsync(Bound));
        Assert.Contains(error.SocketErrorCode, new[] { SocketError.ConnectionRefused, SocketError.AddressNotAvailable });
    }
}
