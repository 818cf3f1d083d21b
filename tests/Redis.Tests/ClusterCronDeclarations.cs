using System.Globalization;
using Microsoft.Extensions.Configuration;
using Resident.Tests.Infrastructure;

namespace Resident.Redis.Tests;

/// <summary>
/// A once-per-cluster job for the in-process cron tests: hourly (so other tests' nodes never see it fire) unless a
/// test sets <c>Resident:CronJobs:ClusterCronTick:Interval</c>. Records "cluster plannedUnixMs fencingToken nodeId".
/// </summary>
[CronJob(3_600_000)]
public sealed class ClusterCronTick(Recorder recorder, IConfiguration configuration) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        recorder.Add(ClusterCronEntry.Format("cluster", context, configuration));
        return ValueTask.CompletedTask;
    }
}

/// <summary>The same job on every node (<see cref="CronScope.Node"/>); records "node plannedUnixMs - nodeId".</summary>
[CronJob(3_600_000, Scope = CronScope.Node)]
public sealed class NodeCronTick(Recorder recorder, IConfiguration configuration) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        recorder.Add(ClusterCronEntry.Format("node", context, configuration));
        return ValueTask.CompletedTask;
    }
}

/// <summary>One recorded run: its kind, planned time, fencing token (null on a per-node job) and node.</summary>
internal sealed record ClusterCronEntry(string Kind, long PlannedAt, long? FencingToken, int NodeId)
{
    public static string Format(string kind, CronJobContext context, IConfiguration configuration) => string.Join(' ',
        kind,
        context.PlannedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        context.FencingToken?.ToString(CultureInfo.InvariantCulture) ?? "-",
        configuration["Resident:NodeId"] ?? "0");

    /// <summary>Parses "kind planned token node", or "planned token node" with <paramref name="kind"/> given.</summary>
    public static ClusterCronEntry Parse(string line, string? kind = null)
    {
        var parts = line.Split(' ');
        if (kind is not null)
        {
            parts = [kind, .. parts];
        }

        return new(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture),
            parts[2] == "-" ? null : long.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
    }

    public static IReadOnlyList<ClusterCronEntry> Of(IEnumerable<string> events, string kind) =>
        [.. events.Where(line => line.StartsWith(kind + " ", StringComparison.Ordinal)).Select(line => Parse(line))];

    /// <summary>Asserts each planned time ran once and the fencing tokens grow with the planned time.</summary>
    public static void AssertOncePerPlannedTimeWithGrowingTokens(IReadOnlyList<ClusterCronEntry> runs)
    {
        var duplicates = runs.GroupBy(run => run.PlannedAt).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key} ran on nodes {string.Join(",", group.Select(run => run.NodeId))}").ToList();
        Xunit.Assert.True(duplicates.Count == 0, "Planned firings that ran more than once: " + string.Join("; ", duplicates.Take(20)));
        var ordered = runs.OrderBy(run => run.PlannedAt).ToList();
        Xunit.Assert.All(ordered, run => Xunit.Assert.NotNull(run.FencingToken));
        for (var i = 1; i < ordered.Count; i++)
        {
            Xunit.Assert.True(ordered[i].FencingToken > ordered[i - 1].FencingToken,
                $"The firing planned at {ordered[i].PlannedAt} has the fencing token {ordered[i].FencingToken}, not above {ordered[i - 1].FencingToken} of the one planned at {ordered[i - 1].PlannedAt}.");
        }
    }
}
