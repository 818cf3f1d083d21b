using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Resident.Hosting;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

public sealed class ShutdownCoordinatorTests
{
    [Fact]
    public async Task A_stop_without_the_host_runs_the_same_sequence_and_the_host_stop_joins_it()
    {
        var probe = new BackgroundProbe("echo");
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "60" }, configure: builder => builder.Services.AddSingleton(probe));
        var (client, id) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (client)
        {
            Assert.True(await server.Server.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
            await probe.WaitForAsync(events => events.Contains("started:running") && events.Contains("echo-start:0"));
            var closed = client.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(60));

            var coordinator = server.App.Services.GetRequiredService<ShutdownCoordinator>();
            var stop = coordinator.StopAsync("reload", CancellationToken.None);

            // Stop accepting: the WebSocket connection is closed with 1001 at once.
            Assert.Empty(await closed);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.Socket.CloseStatus);
            await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

            // Processes get OnStop; deliveries are refused while the running task is still waited for.
            await probe.WaitForAsync(events => events.Contains("echo-stop"));
            Assert.False(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "refused" }), "A stopping server accepted a task.");
            Assert.False(stop.IsCompleted, "The stop did not wait for the running task.");

            probe.Gate.SetResult();
            await stop.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("done:running", probe.Events);
            Assert.DoesNotContain("task:refused", probe.Events);
            Assert.True(coordinator.IsStopping);
        }

        var hostStop = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(hostStop.Elapsed < TimeSpan.FromSeconds(20), "The host's stop did not join the finished stop.");
        Assert.Single(server.Logs.Entries, entry => entry.Message.StartsWith("Stopping (", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.StartsWith("Stopped (reload) in ", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, entry => entry.Level >= LogLevel.Warning && entry.Category.Contains("Shutdown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_callers_token_cuts_the_stop_short_and_what_runs_is_cancelled()
    {
        var probe = new BackgroundProbe();
        var server = await TestServer.StartAsync(new() { ["Resident:TaskWorkerNum"] = "1", ["Resident:MaxWaitTime"] = "120" },
            configure: builder => builder.Services.AddSingleton(probe), mapWebSockets: false);
        Assert.True(await server.Server.Tasks.DeliverAsync(new BlockingTask { Label = "stuck" }));
        await probe.WaitForAsync(events => events.Contains("started:stuck"));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "queued" }));

        using var caller = new CancellationTokenSource();
        var coordinator = server.App.Services.GetRequiredService<ShutdownCoordinator>();
        var stop = coordinator.StopAsync("test", caller.Token);
        Assert.False(stop.IsCompleted);
        caller.Cancel();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));

        await probe.WaitForAsync(events => events.Contains("cancelled:stuck"));
        Assert.True(coordinator.CutOff.IsCancellationRequested);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.Contains("The caller stopped waiting before the task queue finished: 1 queued delivery(ies) not run, 1 running one(s) cancelled", StringComparison.Ordinal));
        Assert.DoesNotContain("task:queued", probe.Events);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_cron_run_still_going_is_waited_for_and_cancelled_only_at_the_deadline()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var probe = new BackgroundProbe(nameof(GatedJob));
        var server = await TestServer.StartAsync(new() { ["Resident:MaxWaitTime"] = "60" }, configure: builder =>
        {
            builder.Services.AddSingleton(probe);
            builder.Services.AddSingleton<TimeProvider>(clock);
        }, mapWebSockets: false);
        await probe.WaitForAsync(events => events.Contains("gated-start"));

        var stopping = server.DisposeAsync().AsTask();
        await WaitUntilAsync(() => server.Logs.Entries.Any(entry => entry.Message.StartsWith("Stopping (", StringComparison.Ordinal)));

        // The task queue is empty and drains at once; the run must not be cancelled for that. Absence needs a window.
        clock.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(100);
        Assert.False(stopping.IsCompleted, "The stop did not wait for the cron run.");
        Assert.DoesNotContain("gated-cancelled", probe.Events);

        clock.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await probe.WaitForAsync(events => events.Contains("gated-cancelled"));
        Assert.DoesNotContain("gated-done", probe.Events);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, "The condition never became true.");
            await Task.Delay(5);
        }
    }
}
