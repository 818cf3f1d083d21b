using System.Globalization;
using Resident;
using StackExchange.Redis;

namespace ClusterApp;

/// <summary>
/// A once-per-cluster job for the cron tests. Hourly unless a test sets <c>Resident:CronJobs:ClusterTick:Interval</c>;
/// with <c>ClusterApp:CronList</c> set, each run appends "plannedUnixMs fencingToken nodeId" to that Redis list (one
/// list written by every node through Redis: no file shared between processes).
/// </summary>
[CronJob(3_600_000)]
public sealed class ClusterTick(IConfiguration configuration) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context) =>
        CronRecorder.RecordAsync(configuration, "", context);
}

/// <summary>The same on every node (<see cref="CronScope.Node"/>): appends to <c>{ClusterApp:CronList}:node</c>.</summary>
[CronJob(3_600_000, Scope = CronScope.Node)]
public sealed class NodeTick(IConfiguration configuration) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context) =>
        CronRecorder.RecordAsync(configuration, ":node", context);
}

internal static class CronRecorder
{
    private static readonly object Gate = new();
    private static Task<ConnectionMultiplexer>? _connection;

    public static async ValueTask RecordAsync(IConfiguration configuration, string suffix, CronJobContext context)
    {
        if (configuration["ClusterApp:CronList"] is not { Length: > 0 } list)
        {
            return;
        }

        var redis = await ConnectAsync(configuration["Resident:Redis:Configuration"]!);
        var entry = string.Join(' ',
            context.PlannedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            context.FencingToken?.ToString(CultureInfo.InvariantCulture) ?? "-",
            configuration["Resident:NodeId"] ?? "0");
        await redis.GetDatabase().ListRightPushAsync(list + suffix, entry);
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(string configuration)
    {
        // One connection per process, made at the first run.
        lock (Gate)
        {
            return _connection ??= ConnectionMultiplexer.ConnectAsync(configuration);
        }
    }
}
