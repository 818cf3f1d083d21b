using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Resident.Timers;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>Once-per-cluster cron with in-process nodes: the claim itself, start races, per-node jobs, settings, Redis away.</summary>
public sealed class ClusterCronTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> CronNodeSettings(string configuration, string prefix, int nodeId, int clusterInterval = 50, int nodeInterval = 100)
    {
        var settings = NodeTests.NodeSettings(configuration, prefix, nodeId);
        settings["Resident:CronJobs:ClusterCronTick:Interval"] = clusterInterval.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Resident:CronJobs:NodeCronTick:Interval"] = nodeInterval.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    private static Task<TestServer> StartNodeAsync(Dictionary<string, string?> settings) =>
        TestServer.StartAsync(settings, configure: builder => builder.AddRedis());

    private static ICronClusterLock Lock(TestServer node) => node.App.Services.GetRequiredService<ICronClusterLock>();

    // A planned time on a whole second, far enough ahead that no job of these nodes plans it.
    private static DateTimeOffset PlannedTime(int offsetSeconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000) + 3_600_000 + (offsetSeconds * 1000L));

    [Fact]
    public async Task Two_nodes_claiming_the_same_planned_times_at_once_each_time_exactly_one_wins_with_growing_tokens()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var first = await StartNodeAsync(NodeTests.NodeSettings(redis.Server.Configuration, prefix, 1));
        await using var second = await StartNodeAsync(NodeTests.NodeSettings(redis.Server.Configuration, prefix, 2));
        Assert.True(Lock(first).Shared);

        var tokens = new List<long>();
        var wins = new int[3];
        for (var i = 0; i < 200; i++)
        {
            var planned = PlannedTime(i);
            var claims = await Task.WhenAll(
                Lock(first).TryClaimAsync("Race", planned, TimeSpan.FromMinutes(1), CancellationToken.None).AsTask(),
                Lock(second).TryClaimAsync("Race", planned, TimeSpan.FromMinutes(1), CancellationToken.None).AsTask());

            var granted = claims.Where(claim => claim.Outcome == CronClaimOutcome.Granted).ToList();
            Assert.Single(granted);
            Assert.Contains(claims, claim => claim.Outcome == CronClaimOutcome.Elsewhere);
            wins[claims[0].Outcome == CronClaimOutcome.Granted ? 1 : 2]++;
            tokens.Add(granted[0].FencingToken!.Value);
        }

        Assert.Equal(tokens.Order(), tokens);
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public async Task A_node_late_or_behind_in_clock_cannot_run_a_firing_older_than_one_already_claimed_and_the_claim_expires_by_itself()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var ahead = await StartNodeAsync(NodeTests.NodeSettings(redis.Server.Configuration, prefix, 1));
        await using var behind = await StartNodeAsync(NodeTests.NodeSettings(redis.Server.Configuration, prefix, 2));
        var lease = TimeSpan.FromSeconds(90);

        // The node whose clock runs ahead claims the firing at T+1 s before the other even reaches T.
        var later = await Lock(ahead).TryClaimAsync("Skewed", PlannedTime(1), lease, CancellationToken.None);
        var earlier = await Lock(behind).TryClaimAsync("Skewed", PlannedTime(0), lease, CancellationToken.None);
        Assert.Equal(CronClaimOutcome.Granted, later.Outcome);
        Assert.Equal(CronClaimOutcome.Elsewhere, earlier.Outcome);

        // The same firing again (a node late for it): refused too.
        Assert.Equal(CronClaimOutcome.Elsewhere, (await Lock(behind).TryClaimAsync("Skewed", PlannedTime(1), lease, CancellationToken.None)).Outcome);

        // The firing's key holds the winner and expires after the lease.
        var key = $"{prefix}:cron:{{Skewed}}:{PlannedTime(1).ToUnixTimeMilliseconds()}";
        Assert.Equal("$1", await redis.Server.CommandAsync("GET " + key));
        var remaining = long.Parse((await redis.Server.CommandAsync("PTTL " + key)).TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 1, (long)lease.TotalMilliseconds);
    }

    [Fact]
    public async Task Fencing_tokens_keep_growing_after_Redis_restarts_without_its_data()
    {
        await using var own = await RedisServer.StartAsync();
        await using var node = await StartNodeAsync(NodeTests.NodeSettings(own.Configuration, SharedRedis.NewPrefix(), 1));
        var before = await Lock(node).TryClaimAsync("Fenced", PlannedTime(0), TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(CronClaimOutcome.Granted, before.Outcome);

        await own.KillAsync();
        await own.StartAgainAsync();
        var after = await ClaimOnceRedisAnswersAsync(node, "Fenced", PlannedTime(1));

        Assert.True(after.FencingToken > before.FencingToken, $"Token {after.FencingToken} after the restart, {before.FencingToken} before it.");
    }

    [Fact]
    public async Task Nodes_started_at_once_run_each_planned_firing_once_and_a_node_job_on_every_node()
    {
        var prefix = SharedRedis.NewPrefix();
        var nodes = await Task.WhenAll(Enumerable.Range(1, 3).Select(id => StartNodeAsync(CronNodeSettings(redis.Server.Configuration, prefix, id))));
        try
        {
            // 40 firings at 50 ms (about 2 s), each claimed by all three nodes.
            var cluster = new List<ClusterCronEntry>();
            var deadline = DateTime.UtcNow + Patience;
            while (cluster.Count < 40 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                cluster = [.. nodes.SelectMany(node => ClusterCronEntry.Of(node.Recorder.Events, "cluster"))];
            }

            Assert.True(cluster.Count >= 40, $"Only {cluster.Count} cluster firings ran.");
            ClusterCronEntry.AssertOncePerPlannedTimeWithGrowingTokens(cluster);
            Assert.All(cluster, run => Assert.Equal(0, run.PlannedAt % 50)); // Planned on the epoch grid every node shares.

            // The per-node job ran on every node, without a token, and nodes lost no firing to each other.
            foreach (var node in nodes)
            {
                await node.Recorder.WaitForAsync(events => ClusterCronEntry.Of(events, "node").Count >= 3, Patience);
                Assert.All(ClusterCronEntry.Of(node.Recorder.Events, "node"), run => Assert.Null(run.FencingToken));
                var nodeJob = node.Server.CronJobs.Single(job => job.Name == nameof(NodeCronTick));
                Assert.Equal(CronScope.Node, nodeJob.Scope);
                Assert.Equal(0, nodeJob.RanElsewhere);
            }

            var clusterJobs = nodes.Select(node => node.Server.CronJobs.Single(job => job.Name == nameof(ClusterCronTick))).ToList();
            Assert.All(clusterJobs, job => Assert.Equal(CronScope.Cluster, job.Scope));
            Assert.True(clusterJobs.Sum(job => job.RanElsewhere) > 0, "No node ever lost a claim: the nodes did not compete.");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Scope_Node_in_configuration_makes_a_cluster_job_run_on_every_node()
    {
        var prefix = SharedRedis.NewPrefix();
        var settings = CronNodeSettings(redis.Server.Configuration, prefix, 1, clusterInterval: 100);
        settings["Resident:CronJobs:ClusterCronTick:Scope"] = "node";
        await using var first = await StartNodeAsync(settings);
        settings = CronNodeSettings(redis.Server.Configuration, prefix, 2, clusterInterval: 100);
        settings["Resident:CronJobs:ClusterCronTick:Scope"] = "Node";
        await using var second = await StartNodeAsync(settings);

        foreach (var node in new[] { first, second })
        {
            var runs = await node.Recorder.WaitForAsync(events => ClusterCronEntry.Of(events, "cluster").Count >= 3, Patience);
            Assert.All(ClusterCronEntry.Of(runs, "cluster"), run => Assert.Null(run.FencingToken));
            Assert.Equal(CronScope.Node, node.Server.CronJobs.Single(job => job.Name == nameof(ClusterCronTick)).Scope);
        }
    }

    [Fact]
    public async Task A_bad_scope_fails_the_start_naming_the_key()
    {
        var settings = NodeTests.NodeSettings(redis.Server.Configuration, SharedRedis.NewPrefix(), 1);
        settings["Resident:CronJobs:ClusterCronTick:Scope"] = "Everywhere";
        var failure = await TestServer.StartFailureAsync(settings, configure: builder => builder.AddRedis());
        Assert.Contains("Resident:CronJobs:ClusterCronTick:Scope must be one of Cluster, Node, but is 'Everywhere'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_Redis_away_cluster_firings_are_skipped_logged_and_counted_node_jobs_go_on_and_all_resumes()
    {
        await using var own = await RedisServer.StartAsync();
        var settings = CronNodeSettings(own.Configuration, SharedRedis.NewPrefix(), 1, clusterInterval: 50, nodeInterval: 50);
        settings["Resident:Redis:NodeTimeout"] = "3";
        await using var node = await StartNodeAsync(settings);
        var clusterJob = node.Server.CronJobs.Single(job => job.Name == nameof(ClusterCronTick));
        await node.Recorder.WaitForAsync(events => ClusterCronEntry.Of(events, "cluster").Count >= 3, Patience);

        await own.KillAsync();
        await WaitUntilAsync(() => clusterJob.ClaimFailures >= 5, "cluster firings skipped while Redis is away");
        var clusterRunsDuringOutage = ClusterCronEntry.Of(node.Recorder.Events, "cluster").Count;
        var nodeRunsDuringOutage = ClusterCronEntry.Of(node.Recorder.Events, "node").Count;
        await node.Recorder.WaitForAsync(events => ClusterCronEntry.Of(events, "node").Count >= nodeRunsDuringOutage + 5, Patience);
        await WaitUntilAsync(() => clusterJob.ClaimFailures >= 10, "more skipped firings");

        // Nothing ran on this node alone while nobody could tell whether another node was running it.
        Assert.True(ClusterCronEntry.Of(node.Recorder.Events, "cluster").Count <= clusterRunsDuringOutage + 1);
        Assert.Single(node.Logs.Entries, entry => entry.Message.Contains("once-per-cluster claim could not be made", StringComparison.Ordinal));
        Assert.Equal("Hello, World!", await node.Client.GetStringAsync("/plaintext"));

        await own.StartAgainAsync();
        var resumedFrom = ClusterCronEntry.Of(node.Recorder.Events, "cluster").Count;
        var runs = await node.Recorder.WaitForAsync(events => ClusterCronEntry.Of(events, "cluster").Count >= resumedFrom + 5, Patience);
        await WaitUntilAsync(() => node.Logs.Entries.Any(entry => entry.Message.Contains("claims work again", StringComparison.Ordinal)), "the recovery log");
        ClusterCronEntry.AssertOncePerPlannedTimeWithGrowingTokens(ClusterCronEntry.Of(runs, "cluster"));
    }

    private static async Task<CronClaim> ClaimOnceRedisAnswersAsync(TestServer node, string job, DateTimeOffset planned)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var claim = await Lock(node).TryClaimAsync(job, planned, TimeSpan.FromMinutes(1), CancellationToken.None);
            if (claim.Outcome != CronClaimOutcome.Unavailable || DateTime.UtcNow > deadline)
            {
                Assert.Equal(CronClaimOutcome.Granted, claim.Outcome);
                return claim;
            }

            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for " + what + ".");
            await Task.Delay(20);
        }
    }
}
