using System.Globalization;
using Resident.EndToEnd.Tests;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace Resident.Redis.Tests;

/// <summary>Once-per-cluster cron across three node processes of ClusterApp, one of them killed with SIGKILL midway.</summary>
public sealed class ClusterCronProcessTests(SharedRedis redis, ITestOutputHelper output) : IClassFixture<SharedRedis>
{
    private const int Interval = 20;

    [Fact]
    public async Task A_thousand_firings_across_three_node_processes_run_once_each_with_a_node_killed_midway()
    {
        var prefix = SharedRedis.NewPrefix();
        var list = prefix + ":runs";
        string[] Arguments(int nodeId) =>
        [
            $"--Resident:NodeId={nodeId.ToString(CultureInfo.InvariantCulture)}",
            $"--Resident:Redis:Configuration={redis.Server.Configuration}",
            $"--Resident:Redis:KeyPrefix={prefix}",
            $"--Resident:CronJobs:ClusterTick:Interval={Interval.ToString(CultureInfo.InvariantCulture)}",
            "--Resident:CronJobs:NodeTick:Interval=200",
            $"--ClusterApp:CronList={list}",
        ];

        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var database = client.GetDatabase();

        // Started at once: the start race is part of the run.
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(id =>
            ShowcaseProcess.StartAsync(Repository.ClusterAppAssembly, Repository.ClusterAppProject, Arguments(id))));
        try
        {
            var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await WaitForRunsAsync(database, list, 500);

            var victim = nodes[1];
            nodes[1] = null!;
            await victim.DisposeAsync(); // kill -9
            var killed = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var atKill = await database.ListLengthAsync(list);
            await WaitForRunsAsync(database, list, atKill + 550);
            var stopped = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            var runs = (await database.ListRangeAsync(list)).Select(value => ClusterCronEntry.Parse(value!, "cluster")).ToList();
            Assert.True(runs.Count >= 1000, $"Only {runs.Count} firings ran.");
            ClusterCronEntry.AssertOncePerPlannedTimeWithGrowingTokens(runs);
            Assert.All(runs, run => Assert.Equal(0, run.PlannedAt % Interval));

            // The killed node stops winning; the others run every firing after it died (no failover delay: each
            // node claims every firing, so the next one after the kill already goes to a live node).
            var afterKill = runs.Where(run => run.PlannedAt > killed + 1000).ToList();
            Assert.DoesNotContain(afterKill, run => run.NodeId == 2);
            Assert.Contains(runs, run => run.NodeId == 2 && run.PlannedAt < killed);
            Assert.Contains(afterKill, run => run.NodeId == 1);
            Assert.Contains(afterKill, run => run.NodeId == 3);

            // Gaps: a firing is lost only when every live node woke too late for it (a loaded machine); none around
            // the kill beyond that, and most firings of the window ran.
            var ordered = runs.Select(run => run.PlannedAt).Order().ToList();
            var planned = ((ordered[^1] - ordered[0]) / Interval) + 1;
            var longestGap = ordered.Zip(ordered.Skip(1), (a, b) => b - a).Max();
            var aroundKill = ordered.Where(at => at > killed - 2000 && at < killed + 2000).ToList();
            output.WriteLine($"{runs.Count} of {planned} planned firings ran ({100.0 * runs.Count / planned:0.0} %), longest gap {longestGap} ms, "
                + $"{aroundKill.Count} in the 4 s around the kill; by node: {string.Join(", ", runs.GroupBy(run => run.NodeId).OrderBy(group => group.Key).Select(group => $"{group.Key}={group.Count()}"))}; "
                + $"window {(stopped - started) / 1000.0:0.0} s");
            Assert.True(runs.Count >= planned * 0.8, $"Only {runs.Count} of {planned} planned firings ran.");
            Assert.True(longestGap <= 2000, $"No firing ran for {longestGap} ms.");
            Assert.True(aroundKill.Count >= 4000 / Interval * 0.5, $"Only {aroundKill.Count} firings in the 4 s around the kill.");

            // The per-node job ran on every node, the killed one too before it died.
            var perNode = (await database.ListRangeAsync(list + ":node")).Select(value => ClusterCronEntry.Parse(value!, "node")).ToList();
            Assert.Equal([1, 2, 3], perNode.Select(run => run.NodeId).Distinct().Order());
            Assert.All(perNode, run => Assert.Null(run.FencingToken));
        }
        finally
        {
            foreach (var node in nodes.Where(node => node is not null))
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task WaitForRunsAsync(IDatabase database, string list, long count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (await database.ListLengthAsync(list) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} firings ran within two minutes.");
            await Task.Delay(100);
        }
    }
}
