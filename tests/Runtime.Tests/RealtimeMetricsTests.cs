using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// The instruments of the real-time parts (WebSockets, extra ports, tables), read from each host's own
/// <see cref="ResidentMetrics"/> meter while real clients talk to real Kestrel and real sockets.
/// </summary>
public sealed class RealtimeMetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly KeyValuePair<string, object?> Echo = new("path", "/ws/echo");
    private static readonly KeyValuePair<string, object?> EchoToo = new("path", "/ws/echo-too");

    private static KeyValuePair<string, object?> Status(object value) => new(ResidentMetrics.CloseStatusKey, value);

    private static KeyValuePair<string, object?> Table(string name) => new("table", name);

    private static MetricCollector<long> Collect(TestServer server, string instrument) =>
        new(server.App.Services.GetRequiredService<ResidentMetrics>().Meter, instrument);

    /// <summary>The sum of the measurements carrying all of <paramref name="tags"/>.</summary>
    private static long Total(MetricCollector<long> collector, params KeyValuePair<string, object?>[] tags) =>
        collector.GetMeasurementSnapshot().Where(measurement => measurement.ContainsTags(tags)).Sum(measurement => measurement.Value);

    /// <summary>Waits, measurement by measurement, until the measurements carrying <paramref name="tags"/> add up to <paramref name="expected"/>.</summary>
    private static async Task WaitForTotalAsync(MetricCollector<long> collector, long expected, params KeyValuePair<string, object?>[] tags)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (true)
        {
            var snapshot = collector.GetMeasurementSnapshot();
            var total = snapshot.Where(measurement => measurement.ContainsTags(tags)).Sum(measurement => measurement.Value);
            if (total == expected)
            {
                return;
            }

            try
            {
                await collector.WaitForMeasurementsAsync(snapshot.Count + 1, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{collector.Instrument?.Name} {string.Join(",", tags)} reached {total}, not {expected}, within {Timeout}.");
            }
        }
    }

    [Fact]
    public async Task WebSocket_connections_and_messages_are_counted_by_handler_path_and_closes_by_status()
    {
        var server = await TestServer.StartAsync();
        var stopped = false;
        try
        {
            using var opened = Collect(server, ResidentMetrics.WebSocketOpenedName);
            using var active = Collect(server, ResidentMetrics.WebSocketActiveName);
            using var closed = Collect(server, ResidentMetrics.WebSocketClosedName);
            using var received = Collect(server, ResidentMetrics.WebSocketReceivedName);
            using var sent = Collect(server, ResidentMetrics.WebSocketSentName);

            // Three clients on /ws/echo (each welcomed with one push), one on the handler's second path.
            var (first, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            var (second, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            var (third, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
            await using var other = await TestWebSocket.ConnectAsync(server.BaseAddress, "/ws/echo-too");
            Assert.StartsWith("welcome:", await other.ReceiveTextAsync());
            await using (first)
            await using (second)
            await using (third)
            {
                for (var i = 0; i < 5; i++)
                {
                    await first.SendTextAsync($"m{i}");
                    Assert.Equal($"echo:m{i}", await first.ReceiveTextAsync());
                }

                // A broadcast is one message sent per connection.
                Assert.Equal(4, await server.Server.WebSockets.BroadcastAsync("all"));
                foreach (var client in new[] { first, second, third, other })
                {
                    Assert.Equal("all", await client.ReceiveTextAsync());
                }

                // A client's close 1000, and a client that vanishes without a close frame.
                await first.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                second.Socket.Abort();
                await WaitForTotalAsync(closed, 2);

                // Written before the client read them, counted once the write returned: maybe a moment later.
                await WaitForTotalAsync(sent, 3 + 5 + 3, Echo);
                await WaitForTotalAsync(sent, 2, EchoToo);

                Assert.Equal(3, Total(opened, Echo));
                Assert.Equal(1, Total(opened, EchoToo));
                Assert.All(opened.GetMeasurementSnapshot(), measurement => Assert.Equal(["path"], measurement.Tags.Keys));
                Assert.Equal(5, Total(received, Echo));
                Assert.Equal(0, Total(received, EchoToo));
                Assert.Equal(1, Total(closed, Echo, Status(1000)));
                Assert.Equal(1, Total(closed, Echo, Status(ResidentMetrics.AbnormalCloseStatus)));
                Assert.All(closed.GetMeasurementSnapshot(), measurement => Assert.Equal(2, measurement.Tags.Count));
                Assert.Equal(1, Total(active, Echo));
                Assert.Equal(1, Total(active, EchoToo));
                Assert.Equal("{connection}", active.Instrument!.Unit);
                Assert.Equal("{message}", sent.Instrument!.Unit);

                // The last two end with the server's 1001 as it stops (their clients answer the close).
                var thirdClosed = third.ReceiveUntilCloseAsync(Timeout);
                var otherClosed = other.ReceiveUntilCloseAsync(Timeout);
                stopped = true;
                await server.DisposeAsync();
                Assert.Empty(await thirdClosed);
                Assert.Empty(await otherClosed);
            }

            Assert.Equal(0, Total(active));
            Assert.Equal(1, Total(closed, Echo, Status(1001)));
            Assert.Equal(1, Total(closed, EchoToo, Status(1001)));
            Assert.Equal(4, Total(closed));
        }
        finally
        {
            if (!stopped)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_server_disconnect_with_an_application_code_is_counted_as_other_and_a_too_big_message_as_1009()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:WebSocket:MaxMessageSize"] = "1024" });
        using var closed = Collect(server, ResidentMetrics.WebSocketClosedName);
        using var received = Collect(server, ResidentMetrics.WebSocketReceivedName);

        var (leaving, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (leaving)
        {
            // The handler answers "disconnect" with "last words" and a close 4000.
            await leaving.SendTextAsync("disconnect");
            Assert.Equal(["last words"], await leaving.ReceiveUntilCloseAsync());
            Assert.Equal((WebSocketCloseStatus)4000, leaving.Socket.CloseStatus);
        }

        var (big, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (big)
        {
            await big.Socket.SendAsync(new byte[2048], WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            await big.ReceiveUntilCloseAsync();
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, big.Socket.CloseStatus);
        }

        await WaitForTotalAsync(closed, 2);
        Assert.Equal(1, Total(closed, Echo, Status(ResidentMetrics.OtherCloseStatus)));
        Assert.Equal(1, Total(closed, Echo, Status(1009)));

        // "disconnect" reached the handler; the message too big did not.
        Assert.Equal(1, Total(received, Echo));
    }

    [Fact]
    public async Task A_client_that_stops_reading_counts_one_send_queue_overflow_and_a_1008_close()
    {
        await using var server = await TestServer.StartAsync(new()
        {
            ["Resident:WebSocket:SendQueueSize"] = "65536",
            ["Resident:WebSocket:CloseTimeout"] = "1",
        });
        using var overflows = Collect(server, ResidentMetrics.WebSocketOverflowsName);
        using var closed = Collect(server, ResidentMetrics.WebSocketClosedName);
        var (slow, slowId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (slow)
        {
            var chunk = new byte[16 * 1024];
            var accepted = 0;
            while (await server.Server.WebSockets.PushAsync(slowId, chunk))
            {
                Assert.True(++accepted < 100_000, "The slow client's queue never filled up.");
            }

            // Refused pushes after the overflow overflow nothing more.
            Assert.False(await server.Server.WebSockets.PushAsync(slowId, chunk));
            await WaitForTotalAsync(closed, 1);
        }

        Assert.Equal(1, Total(overflows, Echo));
        Assert.Equal([Echo], overflows.LastMeasurement!.Tags);
        Assert.Equal(1, Total(closed, Echo, Status(1008)));
    }

    [Fact]
    public async Task The_heartbeat_counts_the_connection_it_closes_and_not_the_one_that_talks()
    {
        await using var server = await TestServer.StartAsync(new()
        {
            ["Resident:HeartbeatIdleTime"] = "2",
            ["Resident:HeartbeatCheckInterval"] = "1",
        });
        using var heartbeat = Collect(server, ResidentMetrics.WebSocketHeartbeatClosesName);
        using var closed = Collect(server, ResidentMetrics.WebSocketClosedName);
        var (idle, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (talker, _) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (idle)
        await using (talker)
        {
            var idleClosed = idle.ReceiveUntilCloseAsync(Timeout);
            while (!idleClosed.IsCompleted)
            {
                await talker.SendTextAsync("quiet");
                await Task.WhenAny(idleClosed, Task.Delay(250));
            }

            Assert.Empty(await idleClosed);
            await idle.Socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, CancellationToken.None);
            await WaitForTotalAsync(closed, 1);
            Assert.True(talker.Socket.State == WebSocketState.Open);
        }

        Assert.Equal(1, Total(heartbeat, Echo));
        Assert.Equal(1, Total(closed, Echo, Status(1001)));
    }

    [Fact]
    public async Task A_tcp_port_counts_connections_messages_sends_oversized_frames_and_handler_errors()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:Sockets:lines:Enabled"] = "true" }, mapWebSockets: false);
        using var opened = Collect(server, ResidentMetrics.SocketOpenedName);
        using var active = Collect(server, ResidentMetrics.SocketActiveName);
        using var received = Collect(server, ResidentMetrics.SocketReceivedName);
        using var sent = Collect(server, ResidentMetrics.SocketSentName);
        using var oversized = Collect(server, ResidentMetrics.SocketOversizedName);
        using var errors = Collect(server, ResidentMetrics.SocketHandlerErrorsName);
        var lines = new KeyValuePair<string, object?>("port", "lines");

        var endPoint = (IPEndPoint)server.Server.Sockets["lines"].LocalEndPoint!;
        using var good = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await good.ConnectAsync(endPoint);
        await bad.ConnectAsync(endPoint);

        // Two lines answered, a line the handler throws on (no answer), one more answered.
        await good.SendAsync("a\r\nb\r\nboom\r\nc\r\n"u8.ToArray());
        const string answers = "Resident: a\r\nResident: b\r\nResident: c\r\n";
        Assert.Equal(answers, await ReceiveTextAsync(good, answers.Length));

        // 65 bytes without the delimiter: over PackageMaxLength (64), the connection is closed.
        await bad.SendAsync(Encoding.ASCII.GetBytes(new string('x', 65)));
        Assert.Equal("", await ReceiveTextAsync(bad, 1));

        await WaitForTotalAsync(active, 1, lines);
        await WaitForTotalAsync(sent, 3, lines);
        Assert.Equal(2, Total(opened, lines));
        Assert.Equal(4, Total(received, lines));
        Assert.Equal(1, Total(oversized, lines));
        Assert.Equal(1, Total(errors, lines));
        Assert.All(received.GetMeasurementSnapshot(), measurement => Assert.Equal([lines], measurement.Tags));

        good.Shutdown(SocketShutdown.Send);
        Assert.Equal("", await ReceiveTextAsync(good, 1));
        await WaitForTotalAsync(active, 0, lines);
    }

    [Fact]
    public async Task A_udp_port_counts_datagrams_replies_oversized_drops_and_handler_errors()
    {
        await using var server = await TestServer.StartAsync(new() { ["Resident:Sockets:udp:Enabled"] = "true" }, mapWebSockets: false);
        using var received = Collect(server, ResidentMetrics.SocketReceivedName);
        using var sent = Collect(server, ResidentMetrics.SocketSentName);
        using var oversized = Collect(server, ResidentMetrics.SocketOversizedName);
        using var errors = Collect(server, ResidentMetrics.SocketHandlerErrorsName);
        var udp = new KeyValuePair<string, object?>("port", "udp");

        var endPoint = (IPEndPoint)server.Server.Sockets["udp"].LocalEndPoint!;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[2048];

        async Task<string> RoundTripAsync(string text)
        {
            await client.SendToAsync(Encoding.UTF8.GetBytes(text), endPoint);
            using var timeout = new CancellationTokenSource(Timeout);
            var answer = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, answer.ReceivedBytes);
        }

        Assert.Equal("Resident: ping", await RoundTripAsync("ping"));
        await client.SendToAsync(new byte[513], endPoint);     // over PackageMaxLength (512): dropped
        await client.SendToAsync("boom"u8.ToArray(), endPoint); // the handler throws
        Assert.Equal("Resident: pong", await RoundTripAsync("pong"));

        await WaitForTotalAsync(sent, 2, udp);
        Assert.Equal(3, Total(received, udp));
        Assert.Equal(1, Total(oversized, udp));
        Assert.Equal(1, Total(errors, udp));
    }

    [Fact]
    public async Task Tables_report_rows_capacity_and_memory_when_observed_and_count_writes_refused_when_full()
    {
        await using var server = await TestServer.StartAsync(mapWebSockets: false);
        using var rows = Collect(server, ResidentMetrics.TableRowsName);
        using var capacity = Collect(server, ResidentMetrics.TableCapacityName);
        using var memory = Collect(server, ResidentMetrics.TableMemorySizeName);
        using var refused = Collect(server, ResidentMetrics.TableSetsRefusedName);
        var tiny = server.App.Services.GetRequiredService<SwooleTable<TinyRow>>();
        var tinyTag = Table("tiny");

        for (var i = 0; i < tiny.Size; i++)
        {
            Assert.True(tiny.Set($"k{i}", new TinyRow { Value = i }));
        }

        Assert.True(tiny.Set("k0", new TinyRow { Value = 10 })); // an existing key: no new row needed
        Assert.False(tiny.Set("one-too-many", new TinyRow { Value = 1 }));
        Assert.False(tiny.SetInt64("another", tiny.ColumnIndex("Value"), 1));
        Assert.Throws<InvalidOperationException>(() => tiny.Increment("a-third", tiny.ColumnIndex("Value")));
        Assert.Equal(3, Total(refused, tinyTag));
        Assert.Equal([tinyTag], refused.LastMeasurement!.Tags);

        server.App.Services.GetRequiredService<SwooleTable<CounterRow>>().Set("one", new CounterRow { Hits = 1 });
        foreach (var collector in new[] { rows, capacity, memory })
        {
            collector.RecordObservableInstruments();
        }

        // One measurement per table per observation.
        Assert.Equal(["counters", "tiny", "wideRow"], rows.GetMeasurementSnapshot().Select(measurement => (string)measurement.Tags["table"]!).Order());
        Assert.Equal(4, Total(rows, tinyTag));
        Assert.Equal(1, Total(rows, Table("counters")));
        Assert.Equal(0, Total(rows, Table("wideRow")));
        Assert.Equal(4, Total(capacity, tinyTag));
        Assert.Equal(1024, Total(capacity, Table("counters")));
        Assert.Equal(tiny.MemorySize, Total(memory, tinyTag));
        Assert.Equal("{row}", rows.Instrument!.Unit);
        Assert.Equal("By", memory.Instrument!.Unit);

        tiny.Delete("k1");
        rows.Clear();
        rows.RecordObservableInstruments();
        Assert.Equal(3, Total(rows, tinyTag));

        // Closed tables are not reported.
        server.App.Services.GetRequiredService<SwooleTables>().Close();
        rows.Clear();
        rows.RecordObservableInstruments();
        Assert.Empty(rows.GetMeasurementSnapshot());
    }

    [Fact]
    public void Close_status_tags_are_boxed_once_and_bounded()
    {
        Assert.Equal(Status(1000), ResidentMetrics.CloseStatusTag(WebSocketCloseStatus.NormalClosure));
        Assert.Same(ResidentMetrics.CloseStatusTag(WebSocketCloseStatus.NormalClosure).Value, ResidentMetrics.CloseStatusTag(WebSocketCloseStatus.NormalClosure).Value);
        Assert.Equal(Status(1012), ResidentMetrics.CloseStatusTag((WebSocketCloseStatus)1012));
        Assert.Equal(Status(1006), ResidentMetrics.CloseStatusTag(null));
        Assert.Equal(Status("other"), ResidentMetrics.CloseStatusTag((WebSocketCloseStatus)4000));
        Assert.Equal(Status("other"), ResidentMetrics.CloseStatusTag((WebSocketCloseStatus)999));
    }

    [Fact]
    public void Counting_a_message_allocates_nothing_with_or_without_a_listener()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<ResidentMetrics>().BuildServiceProvider();
        var metrics = services.GetRequiredService<ResidentMetrics>();
        var path = ResidentMetrics.PathTag("/ws/echo");
        var port = ResidentMetrics.PortTag("lines");

        long Allocated()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                metrics.WebSocketMessageReceived(path);
                metrics.WebSocketMessageSent(path);
                metrics.SocketMessageReceived(port);
                metrics.WebSocketClosed(path, WebSocketCloseStatus.NormalClosure);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Allocated(); // JIT and first-use statics
        Assert.Equal(0, Allocated());

        long total = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, metrics.Meter))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => total += value);
        listener.Start();
        Allocated();
        total = 0;
        Assert.Equal(0, Allocated());

        // 1000 × (received 1 + sent 1 + socket received 1 + active −1 + closed 1).
        Assert.Equal(1000 * 3, total);
    }

    private static async Task<string> ReceiveTextAsync(Socket socket, int length)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Timeout);
        while (received.Length < length)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException)
            {
                break; // Reset by the server: closed as well.
            }

            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return received.ToString();
    }
}
