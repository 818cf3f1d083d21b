using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace WebSocketLoad;

internal static class Scenarios
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>
    /// Every client sends a message, waits for its echo and repeats; every round trip is recorded (Stopwatch
    /// ticks). Each server gets its clients; the servers take turns of --slice-ms, warm-up first, until each has
    /// had --seconds of load. Prints per server messages/s, the p50/p99/max round trip and the server's CPU time
    /// per message.
    /// </summary>
    public static async Task<int> EchoAsync(Options options)
    {
        var targets = options.Targets;
        var clients = options.Int("clients", 100);
        var seconds = options.Int("seconds", 10);
        var warmup = options.Int("warmup", 3);
        var slice = TimeSpan.FromMilliseconds(options.Int("slice-ms", 1000));
        var payload = Payload(options.Int("size", 64));

        var sockets = new ClientWebSocket[targets.Count][];
        foreach (var target in targets)
        {
            sockets[target.Index] = await ConnectAsync(target.Url, clients, parallel: 50);
        }

        var samples = targets.Select(_ => Enumerable.Range(0, clients).Select(_ => new List<long>(1 << 16)).ToArray()).ToArray();
        var cpuTicks = new long[targets.Count];
        var measured = new double[targets.Count];

        // A lost echo fails the run instead of hanging it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(((warmup + seconds) * targets.Count) + 60));
        foreach (var target in targets)
        {
            await RunEchoSliceAsync(sockets[target.Index], payload, TimeSpan.FromSeconds(warmup), samples: null, timeout.Token);
        }

        var turns = (int)Math.Ceiling(seconds * 1000 / slice.TotalMilliseconds);
        for (var turn = 0; turn < turns; turn++)
        {
            // A B, B A, A B ...: a drift of the machine favours neither.
            foreach (var target in turn % 2 == 0 ? targets : targets.Reverse())
            {
                var cpu = CpuTicks(target.Pids);
                measured[target.Index] += await RunEchoSliceAsync(sockets[target.Index], payload, slice, samples[target.Index], timeout.Token);
                cpuTicks[target.Index] += CpuTicks(target.Pids) - cpu;
            }
        }

        foreach (var target in targets)
        {
            await CloseAsync(sockets[target.Index]);
        }

        foreach (var target in targets)
        {
            var all = samples[target.Index].SelectMany(list => list).ToArray();
            Array.Sort(all);
            if (all.Length == 0)
            {
                Console.Error.WriteLine($"No round trip completed against {target.Url}.");
                return 1;
            }

            Report(
                ("target", target.Index.ToString(CultureInfo.InvariantCulture)),
                ("messages_per_s", (all.Length / measured[target.Index]).ToString("F0")),
                ("p50_us", Micros(Percentile(all, 0.50))),
                ("p99_us", Micros(Percentile(all, 0.99))),
                ("max_us", Micros(all[^1])),
                ("round_trips", all.Length.ToString(CultureInfo.InvariantCulture)),
                ("server_cpu_us_per_msg", CpuPerMessage(cpuTicks[target.Index], all.Length, target, options)));
        }

        return 0;
    }

    /// <summary>Runs every client's echo loop for <paramref name="duration"/>; returns the seconds it measured.</summary>
    private static async Task<double> RunEchoSliceAsync(ClientWebSocket[] sockets, byte[] payload, TimeSpan duration, List<long>[]? samples, CancellationToken timeout)
    {
        if (duration <= TimeSpan.Zero)
        {
            return 0;
        }

        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(sockets.Select((socket, i) => Task.Run(() => EchoLoopAsync(socket, payload, end, samples?[i], timeout))));
        return (end - start) / (double)Stopwatch.Frequency;
    }

    private static async Task EchoLoopAsync(ClientWebSocket socket, byte[] payload, long end, List<long>? samples, CancellationToken timeout)
    {
        var buffer = new byte[Math.Max(4096, payload.Length)];
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= end)
            {
                return;
            }

            await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, timeout);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), timeout);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException("The server closed the connection during the echo run.");
                }
            }
            while (!result.EndOfMessage);

            // Round trips that end after the slice count for neither its messages nor its time.
            var stop = Stopwatch.GetTimestamp();
            if (stop <= end)
            {
                samples?.Add(stop - start);
            }
        }
    }

    /// <summary>
    /// Connects the clients to every server, then asks a server (POST /broadcast) to send each of its clients N
    /// messages and times from the request to the last client receiving the last message. After a warm-up
    /// broadcast each, the servers take turns (A B B A ...) for --repeat broadcasts each; prints per server the
    /// median delivered messages/s and the server's CPU time per message.
    /// </summary>
    public static async Task<int> BroadcastAsync(Options options)
    {
        var targets = options.Targets;
        var clients = options.Int("clients", 1000);
        var messages = options.Int("messages", 500);
        var size = options.Int("size", 64);
        var repeat = options.Int("repeat", 5);

        var sockets = new ClientWebSocket[targets.Count][];
        var counters = new BroadcastCounter[targets.Count];
        var receivers = new List<Task>();
        foreach (var target in targets)
        {
            sockets[target.Index] = await ConnectAsync(target.Url, clients, parallel: 50);
            await WaitForConnectionsAsync(target, clients);
            var counter = counters[target.Index] = new BroadcastCounter(clients);
            receivers.AddRange(sockets[target.Index].Select(socket => Task.Run(() => counter.ReceiveAsync(socket, size))));
        }

        var rates = targets.Select(_ => new List<double>()).ToArray();
        var cpuTicks = new long[targets.Count];
        foreach (var target in targets)
        {
            await BroadcastOnceAsync(target, counters[target.Index], clients, messages, size); // warm-up
        }

        for (var turn = 0; turn < repeat; turn++)
        {
            foreach (var target in turn % 2 == 0 ? targets : targets.Reverse())
            {
                var cpu = CpuTicks(target.Pids);
                var seconds = await BroadcastOnceAsync(target, counters[target.Index], clients, messages, size);
                cpuTicks[target.Index] += CpuTicks(target.Pids) - cpu;
                rates[target.Index].Add(clients * (double)messages / seconds);
                Console.Error.WriteLine($"  broadcast {target.Url}: {clients} x {messages} messages in {seconds * 1000:F1} ms");
            }
        }

        foreach (var target in targets)
        {
            await CloseAsync(sockets[target.Index]);
        }

        await Task.WhenAll(receivers);
        foreach (var target in targets)
        {
            var sorted = rates[target.Index].Order().ToList();
            var delivered = (long)clients * messages * repeat;
            Report(
                ("target", target.Index.ToString(CultureInfo.InvariantCulture)),
                ("messages_per_s", Median(sorted).ToString("F0")),
                ("min_messages_per_s", sorted[0].ToString("F0")),
                ("max_messages_per_s", sorted[^1].ToString("F0")),
                ("delivered", delivered.ToString(CultureInfo.InvariantCulture)),
                ("server_cpu_us_per_msg", CpuPerMessage(cpuTicks[target.Index], delivered, target, options)));
        }

        return 0;
    }

    /// <summary>One broadcast: seconds from the request to the last client receiving its last message.</summary>
    private static async Task<double> BroadcastOnceAsync(Target target, BroadcastCounter counter, int clients, int messages, int size)
    {
        var done = counter.Expect(messages);
        var start = Stopwatch.GetTimestamp();
        using var response = await Http.PostAsync(new Uri(target.HttpRoot, $"broadcast?count={messages}&size={size}"), content: null);
        var sent = long.Parse(await response.Content.ReadAsStringAsync(), CultureInfo.InvariantCulture);
        if (sent != (long)clients * messages)
        {
            throw new InvalidOperationException($"{target.Url} sent {sent} messages, not {(long)clients * messages}.");
        }

        if (await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(60))) != done)
        {
            throw new TimeoutException($"Broadcast of {target.Url} timed out: {counter.Remaining} clients still waiting.");
        }

        return (await done - start) / (double)Stopwatch.Frequency;
    }

    /// <summary>Counts the messages each client receives; completes when every client has the expected number.</summary>
    private sealed class BroadcastCounter(int clients)
    {
        private long _target;
        private int _remaining;
        private TaskCompletionSource<long> _done = new();

        public int Remaining => Volatile.Read(ref _remaining);

        /// <summary>Every client is to receive <paramref name="messages"/> more; the task gives the Stopwatch timestamp of the last arrival.</summary>
        public Task<long> Expect(int messages)
        {
            _done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, clients);
            Volatile.Write(ref _target, _target + messages);
            return _done.Task;
        }

        public async Task ReceiveAsync(ClientWebSocket socket, int size)
        {
            var buffer = new byte[Math.Max(4096, size)];
            long received = 0;
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    if (result.EndOfMessage && ++received == Volatile.Read(ref _target) && Interlocked.Decrement(ref _remaining) == 0)
                    {
                        _done.TrySetResult(Stopwatch.GetTimestamp());
                    }
                }
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // Closed under us at the end.
            }
        }
    }

    /// <summary>
    /// Asks the server for its memory (after a full collection), connects the clients, waits until the server
    /// counts them all, asks again and prints the difference per connection. A few connections come and go first,
    /// so one-time costs (JIT, pools, type loading) stay out of the difference.
    /// </summary>
    public static async Task<int> IdleAsync(Options options)
    {
        var target = options.Targets[0];
        var clients = options.Int("clients", 10000);
        var warm = await ConnectAsync(target.Url, 100, parallel: 50);
        var payload = Payload(64);
        var buffer = new byte[4096];
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            foreach (var socket in warm)
            {
                await socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
                await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            }
        }

        await CloseAsync(warm);
        await WaitForConnectionsAsync(target, 0);
        await Task.Delay(500);

        var before = await MemoryAsync(target);
        var stopwatch = Stopwatch.StartNew();
        var sockets = await ConnectAsync(target.Url, clients, parallel: 64);
        var connectSeconds = stopwatch.Elapsed.TotalSeconds;
        await WaitForConnectionsAsync(target, clients);
        await Task.Delay(500);
        var after = await MemoryAsync(target);

        Report(
            ("target", "0"),
            ("managed_per_conn", ((after.Managed - before.Managed) / (double)clients).ToString("F0")),
            ("rss_per_conn", ((after.Rss - before.Rss) / (double)clients).ToString("F0")),
            ("committed_per_conn", ((after.Committed - before.Committed) / (double)clients).ToString("F0")),
            ("managed_before", before.Managed.ToString(CultureInfo.InvariantCulture)),
            ("managed_after", after.Managed.ToString(CultureInfo.InvariantCulture)),
            ("rss_before", before.Rss.ToString(CultureInfo.InvariantCulture)),
            ("rss_after", after.Rss.ToString(CultureInfo.InvariantCulture)),
            ("connect_s", connectSeconds.ToString("F1")));

        // The connections stay open until here (and --hold seconds more, e.g. to take a dump of the server).
        await Task.Delay(TimeSpan.FromSeconds(options.Int("hold", 0)));
        foreach (var socket in sockets)
        {
            socket.Abort();
        }

        return 0;
    }

    private readonly record struct Memory(long Managed, long Rss, long Committed);

    private static async Task<Memory> MemoryAsync(Target target)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync(new Uri(target.HttpRoot, "memory")));
        var root = document.RootElement;
        return new Memory(root.GetProperty("managed").GetInt64(), root.GetProperty("rss").GetInt64(), root.GetProperty("committed").GetInt64());
    }

    private static async Task WaitForConnectionsAsync(Target target, int expected)
    {
        var uri = new Uri(target.HttpRoot, "connections");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var count = int.Parse(await Http.GetStringAsync(uri), CultureInfo.InvariantCulture);
            if (count == expected)
            {
                return;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{target.Url} counts {count} connections, not {expected}.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<ClientWebSocket[]> ConnectAsync(Uri url, int clients, int parallel)
    {
        var sockets = new ClientWebSocket[clients];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(parallel, clients)).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < clients)
            {
                sockets[index] = await ConnectOneAsync(url);
            }
        }));
        await Task.WhenAll(workers);
        return sockets;
    }

    private static async Task<ClientWebSocket> ConnectOneAsync(Uri url)
    {
        var socket = new ClientWebSocket();

        // No client pings: the server should see nothing but the load of the scenario.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(url, timeout.Token);
        return socket;
    }

    private static async Task CloseAsync(ClientWebSocket[] sockets)
    {
        await Parallel.ForEachAsync(sockets, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (socket, _) =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                socket.Abort();
            }
        });
    }

    private static byte[] Payload(int size)
    {
        var payload = new byte[size];
        for (var i = 0; i < size; i++)
        {
            payload[i] = (byte)('a' + (i % 26));
        }

        return payload;
    }

    /// <summary>User + system CPU of processes in clock ticks (/proc/PID/stat fields 14 and 15), summed; 0 without pids.</summary>
    private static long CpuTicks(IReadOnlyList<int> pids)
    {
        long ticks = 0;
        foreach (var pid in pids)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return ticks;
    }

    private static string CpuPerMessage(long ticks, long messages, Target target, Options options) =>
        target.Pids.Count == 0 ? "n/a" : (ticks * 1_000_000.0 / options.Int("clk-tck", 100) / messages).ToString("F2");

    private static long Percentile(long[] sorted, double fraction) => sorted[(int)Math.Ceiling(fraction * sorted.Length) - 1];

    private static string Micros(long ticks) => (ticks * 1_000_000.0 / Stopwatch.Frequency).ToString("F0");

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;

    private static void Report(params (string Key, string Value)[] figures) =>
        Console.WriteLine(string.Join(' ', figures.Select(figure => $"{figure.Key}={figure.Value}")));
}
