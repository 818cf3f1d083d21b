using System.Diagnostics;
using Xunit;

namespace Resident.EndToEnd.Tests;

/// <summary>
/// The master's own instruments (<c>resident.supervisor.*</c>) with real master and worker processes: the SupervisedApp
/// journals each measurement the master records, with the workers by state it observes at that moment.
/// </summary>
public sealed class SupervisorMetricsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static string[] Metrics(SupervisedServer server, string instrument) =>
        [.. server.Journal.Where(line => line.StartsWith($"metric {instrument} ", StringComparison.Ordinal))];

    [Fact]
    public async Task Reloads_recycles_and_worker_exits_by_reason_are_counted_by_the_master_with_its_workers_by_state()
    {
        await using var server = await SupervisedServer.StartAsync("--Resident:MaxRequest=100");

        // A reload: the new generation serves, the old one drains, then exits as retired.
        var (reloaded, reloadOutput) = await server.RunAsync("reload");
        Assert.True(reloaded == 0, reloadOutput + server.Log);
        Assert.Equal(["metric resident.supervisor.reloads - 1 | serving=1 draining=1 starting=0"], Metrics(server, "resident.supervisor.reloads"));
        Assert.True(await SupervisedServer.EventuallyAsync(() => Metrics(server, "resident.supervisor.worker.exits").Length == 1, Generous), server.Log);
        Assert.Equal(["metric resident.supervisor.worker.exits reason=retired 1 | serving=1 draining=0 starting=0"], Metrics(server, "resident.supervisor.worker.exits"));

        // MaxRequest: the worker is recycled, and the old one exits as retired.
        using (var client = new HttpClient { BaseAddress = server.BaseAddress })
        {
            Assert.True(await SupervisedServer.EventuallyAsync(async () =>
            {
                await client.GetStringAsync("/plaintext");
                return Metrics(server, "resident.supervisor.recycles").Length > 0;
            }, Generous), "no recycle after MaxRequest requests; log:\n" + server.Log);
        }

        Assert.Equal(["metric resident.supervisor.recycles - 1 | serving=1 draining=1 starting=0"], Metrics(server, "resident.supervisor.recycles"));
        Assert.True(await SupervisedServer.EventuallyAsync(() => Metrics(server, "resident.supervisor.worker.exits").Length == 2, Generous), server.Log);

        // A worker killed while it serves: crashed (and replaced).
        var victim = (await server.WhoAsync()).ProcessId;
        Process.GetProcessById(victim).Kill();
        Assert.True(await SupervisedServer.EventuallyAsync(() => Metrics(server, "resident.supervisor.worker.exits").Length == 3, Generous), server.Log);
        Assert.Equal("metric resident.supervisor.worker.exits reason=crashed 1 | serving=0 draining=0 starting=0", Metrics(server, "resident.supervisor.worker.exits")[2]);
        Assert.True(await SupervisedServer.EventuallyAsync(async () =>
        {
            try
            {
                return (await server.WhoAsync()).ProcessId != victim;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, Generous), "no worker serves after the crash; log:\n" + server.Log);

        // The stop: the last worker exits as stopped.
        var (stopped, stopOutput) = await server.RunAsync("stop");
        Assert.True(stopped == 0, stopOutput + server.Log);
        var exits = Metrics(server, "resident.supervisor.worker.exits");
        Assert.Equal(4, exits.Length);
        Assert.StartsWith("metric resident.supervisor.worker.exits reason=stopped 1 |", exits[3], StringComparison.Ordinal);
        Assert.Equal(2, exits.Count(line => line.Contains("reason=retired", StringComparison.Ordinal)));
        Assert.Single(Metrics(server, "resident.supervisor.reloads"));
        Assert.Single(Metrics(server, "resident.supervisor.recycles"));
    }
}
