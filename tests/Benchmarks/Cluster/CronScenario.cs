using System.Globalization;
using Resident;

namespace ClusterBench;

/// <summary>
/// The once-per-cluster lock's cost per firing: the same 5 ms job on one node with Redis, first per node (no claim:
/// the baseline), then once per cluster (a claim script in Redis before each firing, then the run). The figure is
/// how late each run starts after its planned time (<see cref="CronJobContext.Lag"/>), whose difference is the claim.
/// </summary>
internal static class CronScenario
{
    private const int Firings = 1000;
    private const int IntervalMilliseconds = 5;

    public static async Task RunAsync(string redis)
    {
        // A short warm-up phase (JIT, the connection, the script cache), then each mode measured.
        await MeasureAsync(redis, nameof(BenchNodeJob), Firings / 10);
        var node = await MeasureAsync(redis, nameof(BenchNodeJob), Firings);
        await MeasureAsync(redis, nameof(BenchClusterJob), Firings / 10);
        var cluster = await MeasureAsync(redis, nameof(BenchClusterJob), Firings);

        Console.WriteLine($"cron: {Firings} firings every {IntervalMilliseconds} ms on one node, lag from planned time to run start");
        Console.WriteLine($"cron: per node (no lock)   mean {node.Mean,8:0.0} µs   p50 {node.P50,8:0.0} µs   p99 {node.P99,8:0.0} µs");
        Console.WriteLine($"cron: once per cluster     mean {cluster.Mean,8:0.0} µs   p50 {cluster.P50,8:0.0} µs   p99 {cluster.P99,8:0.0} µs");
        Console.WriteLine($"cron: lock cost per firing {cluster.Mean - node.Mean:0.0} µs (mean), {cluster.P50 - node.P50:0.0} µs (p50); ratio cluster/node mean lag {cluster.Mean / node.Mean:0.00}");
    }

    /// <summary>
    /// For the other scenarios' hosts: every declaration of this assembly is in every host, so the cron jobs are
    /// turned off there and get the collector they are built with.
    /// </summary>
    public static void LeaveOut(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Resident:CronJobs:{nameof(BenchNodeJob)}:Enabled"] = "false",
            [$"Resident:CronJobs:{nameof(BenchClusterJob)}:Enabled"] = "false",
        });
        builder.Services.AddSingleton(new LagCollector(0));
    }

    private static async Task<(double Mean, double P50, double P99)> MeasureAsync(string redis, string job, int firings)
    {
        var lags = new LagCollector(firings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        var prefix = "bench-cron-" + Guid.NewGuid().ToString("N")[..8];
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resident:ListenPort"] = "0",
            ["Resident:NodeId"] = "1",
            ["Resident:Redis:Configuration"] = redis,
            ["Resident:Redis:KeyPrefix"] = prefix,
            [$"Resident:CronJobs:{nameof(BenchNodeJob)}:Enabled"] = (job == nameof(BenchNodeJob)).ToString(CultureInfo.InvariantCulture),
            [$"Resident:CronJobs:{nameof(BenchClusterJob)}:Enabled"] = (job == nameof(BenchClusterJob)).ToString(CultureInfo.InvariantCulture),
            [$"Resident:CronJobs:{job}:Interval"] = IntervalMilliseconds.ToString(CultureInfo.InvariantCulture),
        });
        builder.AddResident().AddRedis();
        builder.Services.AddSingleton(lags);
        await using var app = builder.Build();
        await app.StartAsync();
        await lags.Done.WaitAsync(TimeSpan.FromMinutes(2));
        await app.StopAsync();

        var sorted = lags.Microseconds.Order().ToArray();
        return (sorted.Average(), sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)]);
    }
}

/// <summary>Collects the lag of each run until it has enough.</summary>
internal sealed class LagCollector(int count)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<double> _microseconds = new(count);

    public Task Done => _done.Task;

    public IReadOnlyList<double> Microseconds
    {
        get
        {
            lock (_microseconds)
            {
                return [.. _microseconds];
            }
        }
    }

    public void Add(TimeSpan lag)
    {
        lock (_microseconds)
        {
            if (_microseconds.Count < count)
            {
                _microseconds.Add(lag.Ticks / 10.0);
            }

            if (_microseconds.Count == count)
            {
                _done.TrySetResult();
            }
        }
    }
}

/// <summary>The baseline: runs on every node, no claim.</summary>
[CronJob(3_600_000, Scope = CronScope.Node)]
internal sealed class BenchNodeJob(LagCollector lags) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        lags.Add(context.Lag);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Once per cluster: each firing claimed in Redis first.</summary>
[CronJob(3_600_000)]
internal sealed class BenchClusterJob(LagCollector lags) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        lags.Add(context.Lag);
        return ValueTask.CompletedTask;
    }
}
