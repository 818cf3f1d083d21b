using System.Globalization;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Resident.Hosting;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// The logic of delays, backoff, cron schedules, heartbeats and the stop deadline, driven by a FakeTimeProvider
/// instead of waiting for the wall clock (each feature keeps a real-clock test beside these).
/// </summary>
public sealed partial class FakeClockTests
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Task<TestServer> StartAsync(FakeTimeProvider clock, BackgroundProbe? probe = null, Dictionary<string, string?>? settings = null, bool mapWebSockets = false) =>
        TestServer.StartAsync(settings, configure: builder =>
        {
            builder.Services.AddSingleton(probe ?? new BackgroundProbe());
            builder.Services.AddSingleton<TimeProvider>(clock);
        }, mapWebSockets: mapWebSockets);

    /// <summary>
    /// Runs an immediate task on the single worker and waits for it: anything the clock made ready before was queued
    /// ahead of it and has run by then.
    /// </summary>
    private static async Task BarrierAsync(TestServer server, BackgroundProbe probe, string label)
    {
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = label }));
        await probe.WaitForAsync(events => events.Contains("task:" + label));
    }

    [Fact]
    public async Task A_delayed_task_never_starts_before_its_delay()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(clock, probe, new() { ["Resident:TaskWorkerNum"] = "1" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "late" }, delay: TimeSpan.FromMilliseconds(300)));
        clock.Advance(TimeSpan.FromMilliseconds(299));
        await BarrierAsync(server, probe, "barrier");
        Assert.DoesNotContain("task:late", probe.Events);
        Assert.Equal(1, server.Server.Tasks.Pending);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await probe.WaitForAsync(events => events.Contains("task:late"));
        Assert.Equal(["task:barrier", "task:late"], probe.Events);
    }

    [Fact]
    public async Task A_crashed_custom_process_restarts_after_its_RestartInterval_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe("slow-restart");
        await using var server = await StartAsync(clock, probe, new() { ["Resident:TaskWorkerNum"] = "1" });

        // The restart is due RestartInterval after the crash on the host's clock, read before the crash is logged.
        await WaitForLogAsync(server, "slow-restart#0 failed; restarting it in 600 s");
        // A second short of the interval: nothing has restarted.
        clock.Advance(TimeSpan.FromSeconds(599));
        await BarrierAsync(server, probe, "barrier");
        Assert.DoesNotContain("slow-restart-start:1", probe.Events);

        clock.Advance(TimeSpan.FromSeconds(1));
        await probe.WaitForAsync(events => events.Contains("slow-restart-start:1"));
    }

    [Fact]
    public async Task Retries_wait_exactly_their_fixed_backoff()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(clock, probe, new() { ["Resident:TaskWorkerNum"] = "1" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new FlakyTask { FailTimes = 2 }));
        foreach (var attempt in new[] { 2, 3 })
        {
            await WaitForLogAsync(server, $"FlakyTask failed try {attempt - 1} of 3; retrying in 150 ms");
            await WaitUntilAsync(() => server.Server.Tasks.Pending == 1);
            clock.Advance(TimeSpan.FromMilliseconds(149));
            await BarrierAsync(server, probe, $"before-{attempt}");
            Assert.DoesNotContain($"try:{attempt}/3", probe.Events);

            clock.Advance(TimeSpan.FromMilliseconds(1));
            await probe.WaitForAsync(events => events.Contains($"try:{attempt}/3"));
        }

        await WaitUntilAsync(() => server.Server.Tasks.Completed == 3);
        Assert.Equal(["try:1/3", "task:before-2", "try:2/3", "task:before-3", "try:3/3"], probe.Events);
    }

    [Fact]
    public async Task Exponential_backoff_doubles_is_capped_and_each_retry_waits_its_whole_delay()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(clock, probe, new() { ["Resident:TaskWorkerNum"] = "1" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new BackingOffTask()));
        var delays = new List<long>();
        for (var attempt = 2; attempt <= 4; attempt++)
        {
            var logged = await WaitForLogAsync(server, $"BackingOffTask failed try {attempt - 1} of 4; retrying in ");
            var delay = long.Parse(RetryDelay().Match(logged).Groups[1].Value, CultureInfo.InvariantCulture);
            await WaitUntilAsync(() => server.Server.Tasks.Pending == 1);
            delays.Add(delay);

            // The log shows whole milliseconds of the drawn delay: it is due after that, and by a millisecond more.
            clock.Advance(TimeSpan.FromMilliseconds(delay));
            await BarrierAsync(server, probe, $"before-{attempt}");
            Assert.DoesNotContain($"backoff-try:{attempt}", probe.Events);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            await probe.WaitForAsync(events => events.Contains($"backoff-try:{attempt}"));
        }

        // 100 × 2^(try−1) with jitter between half and all of it, capped at 300.
        Assert.InRange(delays[0], 50, 100);
        Assert.InRange(delays[1], 100, 200);
        Assert.InRange(delays[2], 150, 300);
    }

    [Fact]
    public async Task A_full_queue_makes_a_delivery_wait_exactly_the_full_timeout()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(clock, probe, new()
        {
            ["Resident:TaskWorkerNum"] = "1",
            ["Resident:TaskQueueCapacity"] = "1",
            ["Resident:TaskQueueFullMode"] = "Wait",
            ["Resident:TaskQueueFullTimeout"] = "4000",
        });
        var tasks = server.Server.Tasks;
        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "1" }));
        await probe.WaitForAsync(events => events.Contains("started:1"));
        Assert.True(await tasks.DeliverAsync(new RecordTask { Label = "filler" }));

        var waiting = tasks.DeliverAsync(new RecordTask { Label = "timed-out" }).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(3999));
        Assert.False(waiting.IsCompleted, "Wait mode gave up before TaskQueueFullTimeout.");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("task queue is full", StringComparison.Ordinal));

        probe.Gate.SetResult();
        await probe.WaitForAsync(events => events.Contains("task:filler"));
        Assert.DoesNotContain("task:timed-out", probe.Events);
    }

    [Fact]
    public async Task Interval_runs_start_exactly_on_their_planned_grid()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe(nameof(LagJob));
        await using var server = await StartAsync(clock, probe);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(LagJob));

        for (var run = 1; run <= 20; run++)
        {
            var planned = Origin + (run * TimeSpan.FromMilliseconds(25));
            await WaitUntilAsync(() => job.NextRun == planned);
            clock.Advance(TimeSpan.FromMilliseconds(25));
            await probe.WaitForCountAsync("lag", run);
        }

        var ticks = probe.Ticks.ToArray();
        Assert.Equal(20, ticks.Length);
        for (var i = 0; i < ticks.Length; i++)
        {
            Assert.Equal(Origin + ((i + 1) * TimeSpan.FromMilliseconds(25)), ticks[i].Planned);
            Assert.Equal(TimeSpan.Zero, ticks[i].Lag);
        }

        Assert.Equal(0, job.Skipped);
    }

    [Fact]
    public async Task A_run_that_outlasts_the_interval_skips_exactly_the_ticks_it_covered()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe(nameof(LagJob));
        await using var server = await StartAsync(clock, probe);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(LagJob));

        // The clock jumps 110 ms at once: the run due at 25 starts 85 ms late; 50, 75 and 100 are covered and skipped.
        await WaitUntilAsync(() => job.NextRun == Origin + TimeSpan.FromMilliseconds(25));
        clock.Advance(TimeSpan.FromMilliseconds(110));
        await probe.WaitForCountAsync("lag", 1);
        await WaitUntilAsync(() => job.NextRun == Origin + TimeSpan.FromMilliseconds(125));

        var first = Assert.Single(probe.Ticks);
        Assert.Equal(Origin + TimeSpan.FromMilliseconds(25), first.Planned);
        Assert.Equal(TimeSpan.FromMilliseconds(85), first.Lag);
        Assert.Equal(3, job.Skipped);
    }

    [Fact]
    public async Task Heartbeat_closes_the_silent_connection_once_it_was_idle_for_the_idle_time()
    {
        var clock = new FakeTimeProvider(Origin);
        await using var server = await StartAsync(clock, settings: new()
        {
            ["Resident:HeartbeatIdleTime"] = "3",
            ["Resident:HeartbeatCheckInterval"] = "1",
        }, mapWebSockets: true);
        var (idle, idleId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        var (talker, talkerId) = await TestWebSocket.ConnectEchoAsync(server.BaseAddress);
        await using (idle)
        await using (talker)
        {
            var idleClosed = idle.ReceiveUntilCloseAsync(TimeSpan.FromSeconds(60));
            for (var second = 1; second <= 3; second++)
            {
                // The talker's message is received (and so counted as activity) before the clock moves on.
                await talker.SendTextAsync($"tick{second}");
                Assert.Equal($"echo:tick{second}", await talker.ReceiveTextAsync());
                Assert.True(server.Server.WebSockets.IsEstablished(idleId), $"The silent connection was closed after {second - 1} s, before the idle time.");
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.Empty(await idleClosed);
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, idle.Socket.CloseStatus);
            Assert.True(server.Server.WebSockets.IsEstablished(talkerId));
            await talker.SendTextAsync("still talking");
            Assert.Equal("echo:still talking", await talker.ReceiveTextAsync());
        }

        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains($"connection {idleId} sent nothing for 3 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_stop_deadline_is_MaxWaitTime_on_the_injected_clock()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        var server = await StartAsync(clock, probe, new() { ["Resident:TaskWorkerNum"] = "1", ["Resident:MaxWaitTime"] = "60" });
        Assert.True(await server.Server.Tasks.DeliverAsync(new BlockingTask { Label = "stuck" }));
        await probe.WaitForAsync(events => events.Contains("started:stuck"));

        var stopping = server.DisposeAsync().AsTask();
        await WaitForLogAsync(server, "Stopping (the host is stopping)");
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(stopping.IsCompleted, "The stop ended before MaxWaitTime.");
        clock.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        await probe.WaitForAsync(events => events.Contains("cancelled:stuck"));
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning
            && entry.Message.Contains("MaxWaitTime ran out before the task queue finished: 0 queued delivery(ies) not run, 1 running one(s) cancelled", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("Stopped (the host is stopping) in 60000 ms", StringComparison.Ordinal));
    }

    private static async Task<string> WaitForLogAsync(TestServer server, string text)
    {
        string? found = null;
        await WaitUntilAsync(() => (found = server.Logs.Entries.FirstOrDefault(entry => entry.Message.Contains(text, StringComparison.Ordinal))?.Message) is not null);
        return found!;
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

    [GeneratedRegex(@"retrying in (\d+) ms")]
    private static partial Regex RetryDelay();
}
