using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Resident.Tests.Infrastructure;
using Resident.Timers;
using Xunit;

namespace Resident.Tests;

// The scheduler's side of once-per-cluster cron, with a scripted lock standing in for Resident.Redis's.
public sealed partial class FakeClockTests
{
    [Fact]
    public async Task A_cluster_job_with_a_shared_lock_plans_on_the_epoch_grid_and_runs_only_the_firings_it_claims()
    {
        // The node starts 7 ms into a 25 ms period: its own grid would be 32, 57, …; the cluster's is 25, 50, ….
        var clock = new FakeTimeProvider(Origin + TimeSpan.FromMilliseconds(7));
        var probe = new BackgroundProbe(nameof(LagJob));
        var shared = new ScriptedLock();
        await using var server = await StartWithLockAsync(clock, probe, shared);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(LagJob));
        Assert.Equal(CronScope.Cluster, job.Scope);

        for (var firing = 1; firing <= 9; firing++)
        {
            var planned = Origin + (firing * TimeSpan.FromMilliseconds(25));
            await WaitUntilAsync(() => job.NextRun == planned);
            clock.Advance(planned - clock.GetUtcNow());
            await WaitUntilAsync(() => shared.Claims.Count(claim => claim.Job == nameof(LagJob)) == firing);
        }

        // Granted: 3, 6, 9; another node's: 1, 4, 7; Redis away: 2, 5, 8 — skipped, not run.
        await WaitUntilAsync(() => job.Runs == 3 && job.RanElsewhere == 3 && job.ClaimFailures == 3);
        Assert.Equal([3, 6, 9], probe.Ticks.Select(tick => (int)((tick.Planned - Origin).TotalMilliseconds / 25)));
        var claims = shared.Claims.Where(claim => claim.Job == nameof(LagJob)).ToList();
        Assert.Equal(Enumerable.Range(1, 9).Select(firing => Origin + (firing * TimeSpan.FromMilliseconds(25))), claims.Select(claim => claim.PlannedAt));
        Assert.All(claims, claim => Assert.Equal(TimeSpan.FromMilliseconds(ResidentLimits.CronJob.MinClusterLeaseMilliseconds), claim.Lease));
    }

    [Fact]
    public async Task A_node_scoped_job_never_asks_the_shared_lock_and_keeps_its_own_grid()
    {
        var start = Origin + TimeSpan.FromMilliseconds(7);
        var clock = new FakeTimeProvider(start);
        var probe = new BackgroundProbe(nameof(LagJob));
        var shared = new ScriptedLock();
        await using var server = await StartWithLockAsync(clock, probe, shared, new() { ["Resident:CronJobs:LagJob:Scope"] = "Node" });
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(LagJob));
        Assert.Equal(CronScope.Node, job.Scope);

        for (var run = 1; run <= 3; run++)
        {
            var planned = start + (run * TimeSpan.FromMilliseconds(25));
            await WaitUntilAsync(() => job.NextRun == planned);
            clock.Advance(TimeSpan.FromMilliseconds(25));
            await probe.WaitForCountAsync("lag", run);
        }

        Assert.Equal([start + TimeSpan.FromMilliseconds(25), start + TimeSpan.FromMilliseconds(50), start + TimeSpan.FromMilliseconds(75)], probe.Ticks.Select(tick => tick.Planned));
        Assert.DoesNotContain(shared.Claims, claim => claim.Job == nameof(LagJob));
        Assert.Equal(0, job.RanElsewhere + job.ClaimFailures);
    }

    private static Task<TestServer> StartWithLockAsync(FakeTimeProvider clock, BackgroundProbe probe, ICronClusterLock shared, Dictionary<string, string?>? settings = null) =>
        TestServer.StartAsync(settings, configure: builder =>
        {
            builder.Services.AddSingleton(probe);
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Services.AddSingleton(shared);
        }, mapWebSockets: false);

    /// <summary>A shared lock that answers by the firing's number on a 25 ms grid: granted, another node's, or Redis away.</summary>
    private sealed class ScriptedLock : ICronClusterLock
    {
        public ConcurrentQueue<(string Job, DateTimeOffset PlannedAt, TimeSpan Lease)> Claims { get; } = new();

        public bool Shared => true;

        public ValueTask<CronClaim> TryClaimAsync(string job, DateTimeOffset plannedAt, TimeSpan lease, CancellationToken cancellationToken)
        {
            Claims.Enqueue((job, plannedAt, lease));
            if (job != nameof(LagJob))
            {
                return ValueTask.FromResult(CronClaim.GrantedWithoutToken); // The other test jobs stop themselves at their first run.
            }

            var firing = (long)((plannedAt - Origin).TotalMilliseconds / 25);
            return ValueTask.FromResult((firing % 3) switch
            {
                0 => new CronClaim(CronClaimOutcome.Granted, firing),
                1 => CronClaim.Elsewhere,
                _ => CronClaim.Unavailable,
            });
        }
    }
}
