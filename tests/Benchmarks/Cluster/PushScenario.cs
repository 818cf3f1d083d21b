using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Resident;

namespace ClusterBench;

/// <summary>
/// Cross-node against local WebSocket push, in one run: two in-process nodes (NodeId 1 and 2) on one Redis, one
/// ClientWebSocket on node 2. Latency: one push at a time, send to receive (the client reads the index the message
/// carries). Throughput: pushes with at most a window of messages unread by the client.
/// </summary>
internal static class PushScenario
{
    private const int LatencyMessages = 2_000;
    private const int ThroughputMessages = 50_000;
    private const int Window = 1_000;
    private const int Warmup = 500;

    public static async Task RunAsync(string redis)
    {
        var prefix = "bench" + Guid.NewGuid().ToString("N")[..8];
        await using var nodeA = await StartNodeAsync(redis, prefix, 1);
        await using var nodeB = await StartNodeAsync(redis, prefix, 2);
        try
        {
            await MeasureAsync(nodeA, nodeB);
        }
        finally
        {
            await nodeB.StopAsync();
            await nodeA.StopAsync();
        }
    }

    private static async Task MeasureAsync(WebApplication nodeA, WebApplication nodeB)
    {
        var serverA = nodeA.Services.GetRequiredService<IWebSocketServer>();
        var serverB = nodeB.Services.GetRequiredService<IWebSocketServer>();
        var address = nodeB.Services.GetRequiredService<IResidentServer>().ListenAddresses.First(a => a.StartsWith("http://", StringComparison.Ordinal));

        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws/bench"), CancellationToken.None);
        var reader = new Reader(client);
        var id = long.Parse(await reader.NextAsync(), CultureInfo.InvariantCulture);
        var deadline = Stopwatch.StartNew();
        while (!serverA.IsEstablished(id))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException("node 1 never listed the connection of node 2");
            }

            await Task.Delay(10);
        }

        // Warm both paths, then measure each the same way.
        await LatencyAsync(serverA, id, reader, Warmup);
        await LatencyAsync(serverB, id, reader, Warmup);
        var remoteLatency = await LatencyAsync(serverA, id, reader, LatencyMessages);
        var localLatency = await LatencyAsync(serverB, id, reader, LatencyMessages);
        var remoteRate = await ThroughputAsync(serverA, id, reader, ThroughputMessages);
        var localRate = await ThroughputAsync(serverB, id, reader, ThroughputMessages);

        Console.WriteLine("push: {0} one-at-a-time pushes of ~16 bytes to a ClientWebSocket on node 2, then {1} with at most {2} unread", LatencyMessages, ThroughputMessages, Window);
        Print("local (node 2)     ", localLatency, localRate);
        Print("cross-node (1 -> 2)", remoteLatency, remoteRate);
        Console.WriteLine(
            "push: cross-node / local: p50 x{0:0.0}, p99 x{1:0.0}, throughput x{2:0.00}",
            Percentile(remoteLatency, 50) / Percentile(localLatency, 50),
            Percentile(remoteLatency, 99) / Percentile(localLatency, 99),
            remoteRate / localRate);
    }

    private static void Print(string label, double[] latencies, double rate) =>
        Console.WriteLine(
            "push: {0}  p50 {1,7:0.0} us  p99 {2,7:0.0} us  throughput {3,9:N0} msg/s",
            label, Percentile(latencies, 50), Percentile(latencies, 99), rate);

    // Microseconds from the push call to the client reading it, one message in flight at a time.
    private static async Task<double[]> LatencyAsync(IWebSocketServer server, long id, Reader reader, int count)
    {
        var latencies = new double[count];
        for (var i = 0; i < count; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            if (!await server.PushAsync(id, "lat:" + i.ToString(CultureInfo.InvariantCulture)))
            {
                throw new InvalidOperationException("a push was refused");
            }

            var text = await reader.NextAsync();
            if (text != "lat:" + i.ToString(CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"expected lat:{i}, got {text}");
            }

            latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMicroseconds;
        }

        Array.Sort(latencies);
        return latencies;
    }

    // Messages a second, from the first push to the client reading the last; at most Window unread at once.
    private static async Task<double> ThroughputAsync(IWebSocketServer server, long id, Reader reader, int count)
    {
        var started = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var text = await reader.NextAsync();
                if (text != "tp:" + i.ToString(CultureInfo.InvariantCulture))
                {
                    throw new InvalidOperationException($"expected tp:{i}, got {text}");
                }

                Interlocked.Exchange(ref reader.Received, i + 1);
            }
        });

        for (var i = 0; i < count; i++)
        {
            while (i - Volatile.Read(ref reader.Received) >= Window)
            {
                await Task.Yield();
            }

            if (!await server.PushAsync(id, "tp:" + i.ToString(CultureInfo.InvariantCulture)))
            {
                throw new InvalidOperationException("a push was refused");
            }
        }

        await reading;
        return count / started.Elapsed.TotalSeconds;
    }

    private static double Percentile(double[] sorted, int percent) => sorted[Math.Min(sorted.Length - 1, sorted.Length * percent / 100)];

    private static async Task<WebApplication> StartNodeAsync(string redis, string prefix, int nodeId)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resident:ListenPort"] = "0",
            ["Resident:NodeId"] = nodeId.ToString(CultureInfo.InvariantCulture),
            ["Resident:Redis:Configuration"] = redis,
            ["Resident:Redis:KeyPrefix"] = prefix,
        });
        builder.AddResident().AddRedis();
        CronScenario.LeaveOut(builder);
        var app = builder.Build();
        app.MapWebSocketHandlers();
        await app.StartAsync();
        return app;
    }

    /// <summary>Reads whole text messages of the client; <see cref="Received"/> is the throughput phase's progress.</summary>
    private sealed class Reader(ClientWebSocket socket)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        public int Received;

        public async Task<string> NextAsync()
        {
            var length = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(_buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"the server closed the connection: {socket.CloseStatus} {socket.CloseStatusDescription}");
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return System.Text.Encoding.UTF8.GetString(_buffer, 0, length);
                }
            }
        }
    }
}

/// <summary>The benchmark's WebSocket handler: tells the client its connection id, nothing more.</summary>
[WebSocketHandler("/ws/bench")]
public sealed class BenchPushHandler : IWebSocketHandler
{
    public async ValueTask OnOpenAsync(IWebSocketServer server, WebSocketRequest request) =>
        await server.PushAsync(request.ConnectionId, request.ConnectionId.ToString(CultureInfo.InvariantCulture));

    public ValueTask OnMessageAsync(IWebSocketServer server, WebSocketFrame frame) => ValueTask.CompletedTask;
}
