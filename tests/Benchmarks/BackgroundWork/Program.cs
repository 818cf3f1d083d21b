using System.Diagnostics;
using System.Threading.Channels;
using BackgroundWorkBench;
using Resident;

// Resident's task queue and 10 ms cron job against a bounded Channel<T> and a PeriodicTimer, in one process.
// Each round runs both sides of each measurement back to back, alternating which goes first.
var rounds = args.Length > 0 ? int.Parse(args[0]) : 3;
const int Tasks = 1_000_000;
const int LatencySamples = 20_000;
const int Capacity = 100_000;
var workers = Environment.ProcessorCount;
var timerSeconds = args.Length > 1 ? int.Parse(args[1]) : 10;

var builder = WebApplication.CreateSlimBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Resident:ListenPort"] = "0",
    ["Resident:TaskWorkerNum"] = workers.ToString(),
    ["Resident:TaskQueueCapacity"] = Capacity.ToString(),
    ["Resident:TaskQueueFullTimeout"] = "3600000",
});
builder.Logging.ClearProviders();
builder.AddResident();
var app = builder.Build();
await app.StartAsync();
var queue = app.Services.GetRequiredService<ITaskQueue>();

Console.WriteLine($"Background work benchmark: {Tasks:N0} tasks, {workers} workers, capacity {Capacity:N0}; {LatencySamples:N0} latency samples; timer {timerSeconds} s per side; {rounds} round(s)");
// Warm both paths up first (tiered JIT), so the first measured round is not the cold one.
await ResidentThroughputAsync(queue);
await RawThroughputAsync(workers);
var throughput = new List<(double Resident, double Raw)>();
var latency = new List<(Percentiles Resident, Percentiles Raw)>();
for (var round = 1; round <= rounds; round++)
{
    var residentFirst = round % 2 == 1;
    double residentRate = 0, rawRate = 0;
    foreach (var resident in residentFirst ? new[] { true, false } : [false, true])
    {
        var rate = resident ? await ResidentThroughputAsync(queue) : await RawThroughputAsync(workers);
        (residentRate, rawRate) = resident ? (rate, rawRate) : (residentRate, rate);
    }

    Percentiles residentLatency = default, rawLatency = default;
    foreach (var resident in residentFirst ? new[] { true, false } : [false, true])
    {
        var measured = resident ? await ResidentLatencyAsync(queue) : await RawLatencyAsync(workers);
        (residentLatency, rawLatency) = resident ? (measured, rawLatency) : (residentLatency, measured);
    }

    throughput.Add((residentRate, rawRate));
    latency.Add((residentLatency, rawLatency));
    Console.WriteLine($"round {round}: throughput resident {residentRate:N0}/s raw {rawRate:N0}/s ratio {residentRate / rawRate:F3}; " +
        $"latency p50/p99 resident {residentLatency.P50:F1}/{residentLatency.P99:F1} us raw {rawLatency.P50:F1}/{rawLatency.P99:F1} us");
}

var ratios = throughput.Select(t => t.Resident / t.Raw).Order().ToArray();
Console.WriteLine($"task throughput: resident median {Median(throughput.Select(t => t.Resident))/1:N0}/s, raw Channel<T> median {Median(throughput.Select(t => t.Raw)):N0}/s, paired ratio median {Median(ratios):F3} (goal >= 0.8)");
Console.WriteLine($"delivery->start latency: resident p50 {Median(latency.Select(l => l.Resident.P50)):F1} us p99 {Median(latency.Select(l => l.Resident.P99)):F1} us; raw p50 {Median(latency.Select(l => l.Raw.P50)):F1} us p99 {Median(latency.Select(l => l.Raw.P99)):F1} us");

// Timers last: the machine is otherwise idle while they run.
BenchState.Lags.Clear();
BenchState.TimerActive = true;
await Task.Delay(TimeSpan.FromSeconds(timerSeconds));
BenchState.TimerActive = false;
var residentLags = Percentiles.Of([.. BenchState.Lags.Select(lag => lag.TotalMilliseconds * 1000)]);
var periodicLags = await PeriodicTimerLagsAsync(TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(timerSeconds));
Console.WriteLine($"10 ms timer lag: [CronJob(10)] p50 {residentLags.P50 / 1000:F3} ms p99 {residentLags.P99 / 1000:F3} ms max {residentLags.Max / 1000:F3} ms ({BenchState.Lags.Count} runs); " +
    $"PeriodicTimer |off the grid| p50 {periodicLags.P50 / 1000:F3} ms p99 {periodicLags.P99 / 1000:F3} ms max {periodicLags.Max / 1000:F3} ms (goal: p99 <= 2 ms)");

await app.StopAsync();
return 0;

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static async Task<double> ResidentThroughputAsync(ITaskQueue queue)
{
    BenchState.Reset(Tasks);
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < Tasks; i++)
    {
        if (!await queue.DeliverAsync(new CountTask()))
        {
            throw new InvalidOperationException("A delivery was refused.");
        }
    }

    await BenchState.Done.Task;
    return Tasks / Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static async Task<double> RawThroughputAsync(int workers)
{
    BenchState.Reset(Tasks);
    var channel = Channel.CreateBounded<CountTask>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    var consumers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
    {
        await foreach (var item in channel.Reader.ReadAllAsync())
        {
            await item.RunRawAsync();
        }
    })).ToArray();

    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < Tasks; i++)
    {
        await channel.Writer.WriteAsync(new CountTask());
    }

    await BenchState.Done.Task;
    var elapsed = Stopwatch.GetElapsedTime(start);
    channel.Writer.Complete();
    await Task.WhenAll(consumers);
    return Tasks / elapsed.TotalSeconds;
}

static async Task<Percentiles> ResidentLatencyAsync(ITaskQueue queue)
{
    var samples = new double[LatencySamples];
    for (var i = 0; i < LatencySamples; i++)
    {
        var task = new PingTask { DeliveredAt = Stopwatch.GetTimestamp() };
        await queue.DeliverAsync(task);
        samples[i] = (await task.Started.Task).TotalMicroseconds;
    }

    return Percentiles.Of(samples);
}

static async Task<Percentiles> RawLatencyAsync(int workers)
{
    var channel = Channel.CreateBounded<PingTask>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });
    var consumers = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
    {
        await foreach (var item in channel.Reader.ReadAllAsync())
        {
            item.Start();
        }
    })).ToArray();

    var samples = new double[LatencySamples];
    for (var i = 0; i < LatencySamples; i++)
    {
        var task = new PingTask { DeliveredAt = Stopwatch.GetTimestamp() };
        await channel.Writer.WriteAsync(task);
        samples[i] = (await task.Started.Task).TotalMicroseconds;
    }

    channel.Writer.Complete();
    await Task.WhenAll(consumers);
    return Percentiles.Of(samples);
}

static async Task<Percentiles> PeriodicTimerLagsAsync(TimeSpan period, TimeSpan duration)
{
    // Lag against the same fixed grid the cron job is planned on: start + k * period.
    var origin = Stopwatch.GetTimestamp();
    using var timer = new PeriodicTimer(period);
    var lags = new List<double>();
    long tick = 0;
    while (Stopwatch.GetElapsedTime(origin) < duration && await timer.WaitForNextTickAsync())
    {
        var now = Stopwatch.GetTimestamp();
        var elapsedTicks = Stopwatch.GetElapsedTime(origin, now).Ticks;
        tick = Math.Max(tick + 1, elapsedTicks / period.Ticks);
        var planned = TimeSpan.FromTicks(tick * period.Ticks);
        // PeriodicTimer counts coarse milliseconds, so it can fire before the precise grid point: count that as off too.
        lags.Add(Math.Abs((Stopwatch.GetElapsedTime(origin, now) - planned).TotalMicroseconds));
    }

    return Percentiles.Of([.. lags]);
}

internal readonly record struct Percentiles(double P50, double P99, double Max)
{
    public static Percentiles Of(double[] samples)
    {
        if (samples.Length == 0)
        {
            return default;
        }

        Array.Sort(samples);
        return new(samples[(int)(samples.Length * 0.50)], samples[Math.Min(samples.Length - 1, (int)(samples.Length * 0.99))], samples[^1]);
    }
}
