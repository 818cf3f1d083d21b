using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resident.Hosting;
using Resident.Tasks;
using Resident.Tests.Infrastructure;
using Resident.Timers;
using Xunit;

namespace Resident.Tests;

public sealed class BackgroundWorkTests
{
    private static Task<TestServer> StartAsync(BackgroundProbe probe, Dictionary<string, string?>? settings = null) =>
        TestServer.StartAsync(settings, configure: builder => builder.Services.AddSingleton(probe), mapWebSockets: false);

    [Fact]
    public async Task A_delayed_task_starts_no_earlier_than_its_delay_and_soon_after()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        var delivered = Stopwatch.GetTimestamp();
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "late" }, delay: TimeSpan.FromMilliseconds(300)));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "now" }));
        await probe.WaitForAsync(events => events.Contains("task:late"));

        var waited = Elapsed.Between(delivered, probe.TimestampOf("task:late"));
        Assert.InRange(waited.TotalMilliseconds, 300, 300 + 2000);
        Assert.Equal(["task:now", "task:late"], probe.Events);
    }

    [Fact]
    public async Task A_failing_task_is_retried_after_its_backoff_until_it_succeeds()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Tasks.DeliverAsync(new FlakyTask { FailTimes = 2 }));
        await probe.WaitForAsync(events => events.Contains("try:3/3"));

        Assert.Equal(["try:1/3", "try:2/3", "try:3/3"], probe.Events);
        var tries = new[] { "try:1/3", "try:2/3", "try:3/3" }.Select(probe.TimestampOf).ToArray();
        Assert.True(Elapsed.Between(tries[0], tries[1]).TotalMilliseconds >= 150, "The fixed backoff of 150 ms was not kept.");
        Assert.True(Elapsed.Between(tries[1], tries[2]).TotalMilliseconds >= 150, "The fixed backoff of 150 ms was not kept.");
        await WaitUntilAsync(() => server.Server.Tasks.Completed >= 1);
        Assert.Equal(0, server.Server.Tasks.Failed);
    }

    [Fact]
    public async Task A_task_that_fails_every_try_is_logged_and_dropped_and_the_delivery_can_override_tries()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Tasks.DeliverAsync(new FlakyTask { FailTimes = 99 }, tries: 2));
        await WaitUntilAsync(() => server.Server.Tasks.Failed == 1);

        Assert.Equal(["try:1/2", "try:2/2"], probe.Events);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Message.Contains("FlakyTask failed its last try (2)", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("failed try 1 of 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Exponential_backoff_doubles_with_jitter_and_is_capped()
    {
        var retry = new RetryPolicy(10, TaskBackoff.Exponential, 100, 1000);
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(TaskQueue.Backoff(retry, 1).TotalMilliseconds, 50, 100);
            Assert.InRange(TaskQueue.Backoff(retry, 3).TotalMilliseconds, 200, 400);
            Assert.InRange(TaskQueue.Backoff(retry, 9).TotalMilliseconds, 500, 1000);
        }

        Assert.Equal(TimeSpan.Zero, TaskQueue.Backoff(retry with { Backoff = TaskBackoff.Immediate }, 4));
        Assert.Equal(TimeSpan.FromMilliseconds(100), TaskQueue.Backoff(retry with { Backoff = TaskBackoff.Fixed }, 4));
        var jittered = Enumerable.Range(0, 50).Select(_ => TaskQueue.Backoff(retry, 2)).Distinct().Count();
        Assert.True(jittered > 10, "Exponential backoff has no jitter.");
    }

    [Fact]
    public async Task Finish_runs_after_a_successful_handle()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Tasks.DeliverAsync(new FinishingTask { Label = "a" }));
        await probe.WaitForAsync(events => events.Contains("finish:a"));

        Assert.Equal(["handle:a", "finish:a"], probe.Events);
    }

    [Fact]
    public async Task Finish_is_told_the_attempt_that_succeeded_and_the_tries_allowed()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Tasks.DeliverAsync(new RetriedFinishingTask { FailTimes = 2 }));
        await probe.WaitForAsync(events => events.Any(e => e.StartsWith("finish:", StringComparison.Ordinal)));

        Assert.Equal(["handle:1/5", "handle:2/5", "handle:3/5", "finish:3/5"], probe.Events);
    }

    [Fact]
    public async Task Completed_counts_finish_callbacks_as_well_as_tasks_and_listeners()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);
        var tasks = server.Server.Tasks;

        Assert.True(await tasks.DeliverAsync(new RecordTask { Label = "plain" }));
        Assert.True(await tasks.DeliverAsync(new FinishingTask { Label = "finishing" }));
        await probe.WaitForAsync(events => events.Contains("finish:finishing"));

        // Two HandleAsync runs and one FinishAsync.
        await WaitUntilAsync(() => tasks.Completed >= 3);
        Assert.Equal(3, tasks.Completed);
        Assert.Equal(0, tasks.Failed);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_in_refuse_mode()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, new()
        {
            ["Resident:TaskWorkerNum"] = "1",
            ["Resident:TaskQueueCapacity"] = "2",
            ["Resident:TaskQueueFullMode"] = "Refuse",
        });
        var tasks = server.Server.Tasks;

        // One running (off the queue), two waiting: the queue of two is full.
        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "1" }));
        await probe.WaitForAsync(events => events.Contains("started:1"));
        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "2" }));
        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "3" }));
        Assert.Equal(2, tasks.Pending);

        var refused = Stopwatch.GetTimestamp();
        Assert.False(await tasks.DeliverAsync(new BlockingTask { Label = "4" }));
        Assert.True(Stopwatch.GetElapsedTime(refused) < TimeSpan.FromSeconds(1), "Refuse mode waited.");
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("task queue is full", StringComparison.Ordinal));

        probe.Gate.SetResult();
        await probe.WaitForAsync(events => events.Contains("done:1") && events.Contains("done:2") && events.Contains("done:3"));
        Assert.DoesNotContain("started:4", probe.Events);
        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "5" }), "Room came back once the queue drained.");
    }

    [Fact]
    public async Task A_full_queue_makes_deliveries_wait_for_room_up_to_the_timeout()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, new()
        {
            ["Resident:TaskWorkerNum"] = "1",
            ["Resident:TaskQueueCapacity"] = "1",
            ["Resident:TaskQueueFullMode"] = "Wait",
            ["Resident:TaskQueueFullTimeout"] = "1000",
        });
        var tasks = server.Server.Tasks;

        Assert.True(await tasks.DeliverAsync(new BlockingTask { Label = "1" }));
        await probe.WaitForAsync(events => events.Contains("started:1"));
        Assert.True(await tasks.DeliverAsync(new RecordTask { Label = "filler" }));

        var waiting = Stopwatch.GetTimestamp();
        Assert.False(await tasks.DeliverAsync(new RecordTask { Label = "timed-out" }));
        // Real time: the system clock's timers count coarse ticks (a jiffy on Linux), so allow a few milliseconds
        // against the precise Stopwatch; FakeClockTests pins the exact boundary.
        var waited = Stopwatch.GetElapsedTime(waiting);
        if (waited < TimeSpan.FromMilliseconds(980))
        {
            probe.Gate.TrySetResult(); // Let the blocking task end, so the stop does not wait MaxWaitTime for it.
            Assert.Fail($"Wait mode did not wait for room: the delivery was refused after {waited.TotalMilliseconds:F1} ms of a 1000 ms timeout.");
        }

        // A delivery waiting for room gets in as soon as the running task finishes.
        var waitingForRoom = tasks.DeliverAsync(new RecordTask { Label = "waited" }).AsTask();
        Assert.False(waitingForRoom.IsCompleted);
        probe.Gate.SetResult();
        Assert.True(await waitingForRoom);
        await probe.WaitForAsync(events => events.Contains("task:waited"));
        Assert.DoesNotContain("task:timed-out", probe.Events);
        Assert.Equal(["started:1", "done:1", "task:filler", "task:waited"], probe.Events);
    }

    [Fact]
    public async Task Tasks_are_delivered_from_a_timer_a_process_and_another_task()
    {
        var probe = new BackgroundProbe(nameof(DeliveringJob), "crashy");
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Tasks.DeliverAsync(new ChainTask { Next = "from-task" }));
        await probe.WaitForAsync(events =>
            events.Contains("task:from-timer") && events.Contains("task:from-process") && events.Contains("task:from-task"));
    }

    [Fact]
    public async Task Listeners_run_in_order_each_built_fresh_and_a_listener_can_stop_propagation()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);
        var events = server.Server.Events;

        Assert.True(await events.FireAsync(new OrderPlaced { OrderId = "A" }));
        await probe.WaitForAsync(seen => seen.Contains("third:A"));
        Assert.True(await events.FireAsync(new OrderPlaced { OrderId = "B", StopAfterSecond = true }));
        await probe.WaitForAsync(seen => seen.Contains("second:B:try1"));
        Assert.True(await events.FireAsync(new OrderPlaced { OrderId = "C" }));
        await probe.WaitForAsync(seen => seen.Contains("third:C"));

        var seenA = probe.Events.Where(e => e.Contains(":A", StringComparison.Ordinal)).Select(e => e.Split(':')[0]).ToArray();
        Assert.Equal(["first", "second", "third"], seenA);
        Assert.DoesNotContain("third:B", probe.Events);

        var instances = probe.Events.Where(e => e.StartsWith("first:", StringComparison.Ordinal)).Select(e => e.Split(':')[2]).ToArray();
        Assert.Equal(3, instances.Length);
        Assert.Equal(3, instances.Distinct().Count());
    }

    [Fact]
    public async Task A_failing_listener_is_retried_on_its_own_and_the_next_listeners_still_run()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe);

        Assert.True(await server.Server.Events.FireAsync(new OrderPlaced { OrderId = "R", FailSecondOnce = true }));
        await probe.WaitForAsync(seen => seen.Contains("third:R"));

        Assert.Equal(["first", "second:R:try1", "second:R:try2", "third"],
            probe.Events.Select(e => e.StartsWith("second", StringComparison.Ordinal) ? e : e.Split(':')[0]).ToArray());
    }

    [Fact]
    public async Task Delivering_or_firing_an_undeclared_type_names_the_attribute_to_add()
    {
        await using var server = await StartAsync(new BackgroundProbe());

        var task = await Assert.ThrowsAsync<InvalidOperationException>(async () => await server.Server.Tasks.DeliverAsync(new UndeclaredTask()));
        Assert.Contains("[BackgroundTask]", task.Message, StringComparison.Ordinal);
        var @event = await Assert.ThrowsAsync<InvalidOperationException>(async () => await server.Server.Events.FireAsync(new UndeclaredEvent()));
        Assert.Contains("[AsyncEvent]", @event.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await server.Server.Tasks.DeliverAsync(new RecordTask(), delay: TimeSpan.FromSeconds(-1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await server.Server.Tasks.DeliverAsync(new RecordTask(), tries: 101));
    }

    [Fact]
    public void A_payload_the_generated_json_cannot_carry_or_bad_tries_fail_the_start_with_the_reason()
    {
        var retry = new RetryPolicy(1, TaskBackoff.Fixed, 10, 100);
        var unsupported = new TaskDeclaration<RecordTask>("App.SendMail", retry, false, null,
            "The payload of App.SendMail cannot be serialized: member 'Body' is of type System.IO.Stream, which generated JSON does not support.");
        var failure = Assert.Throws<InvalidOperationException>(() => TaskQueue.Validate(new BackgroundDeclarations([unsupported], [], [], [], [])));
        Assert.Contains("member 'Body' is of type System.IO.Stream", failure.Message, StringComparison.Ordinal);

        var tooMany = new TaskDeclaration<RecordTask>("App.Flaky", retry with { Tries = 101 }, false, null, null);
        failure = Assert.Throws<InvalidOperationException>(() => TaskQueue.Validate(new BackgroundDeclarations([tooMany], [], [], [], [])));
        Assert.Contains("[BackgroundTask] App.Flaky sets Tries = 101; use 1 to 100.", failure.Message, StringComparison.Ordinal);

        var orphan = new ListenerDeclaration<UndeclaredEvent>("App.OnUndeclared", 0, retry, _ => throw new InvalidOperationException());
        failure = Assert.Throws<InvalidOperationException>(() => TaskQueue.Validate(new BackgroundDeclarations([], [], [orphan], [], [])));
        Assert.Contains("which is not marked [AsyncEvent]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_immediate_job_runs_right_after_start()
    {
        var probe = new BackgroundProbe(nameof(ImmediateJob));
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("immediate", 1);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(ImmediateJob));
        Assert.Equal("every 3600000 ms", job.Schedule);
        Assert.NotNull(job.NextRun);
    }

    [Fact]
    public async Task A_job_that_stops_itself_runs_no_more()
    {
        var probe = new BackgroundProbe(nameof(StoppingJob));
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("run", 3);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(StoppingJob));
        await WaitUntilAsync(() => job.Stopped && job.NextRun is null);

        // Absence needs a window: eight more intervals.
        await Task.Delay(320);
        Assert.Equal(3, probe.Count("run"));
    }

    [Fact]
    public async Task A_run_that_outlasts_the_interval_skips_the_ticks_it_covered()
    {
        var probe = new BackgroundProbe(nameof(SlowJob));
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("slow", 4);
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(SlowJob));
        Assert.Equal(1, probe.MaxConcurrent);
        Assert.True(job.Skipped >= 6, $"Expected the covered ticks to be skipped, but {job.Skipped} were.");

        // Runs start on the 50 ms grid, never right after each other to catch up.
        var starts = probe.TimestampsOf("slow");
        for (var i = 1; i < starts.Count; i++)
        {
            Assert.True(Elapsed.Between(starts[i - 1], starts[i]).TotalMilliseconds >= 170, "A run started before the previous one ended.");
        }
    }

    [Fact]
    public async Task A_job_that_allows_overlap_starts_runs_while_others_still_go()
    {
        var probe = new BackgroundProbe(nameof(OverlappingJob));
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("overlap", 6);
        Assert.True(probe.MaxConcurrent >= 2, "Overlapping runs never overlapped.");
    }

    [Fact]
    public async Task A_job_that_throws_is_logged_and_keeps_its_schedule()
    {
        var probe = new BackgroundProbe("thrower");
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("throw", 3);
        var job = server.Server.CronJobs.Single(j => j.Name == "thrower");
        Assert.True(job.Failures >= 3);
        Assert.Contains(server.Logs.Entries, entry => entry.Level == LogLevel.Error
            && entry.Message.Contains("Cron job thrower failed", StringComparison.Ordinal)
            && entry.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task Configuration_disables_a_job_and_overrides_an_interval_by_name()
    {
        var probe = new BackgroundProbe("thrower", nameof(ImmediateJob));
        await using var server = await StartAsync(probe, new()
        {
            ["Resident:CronJobs:thrower:Enabled"] = "false",
            ["Resident:CronJobs:ImmediateJob:Expression"] = "0 0 1 1 *",
        });

        await probe.WaitForCountAsync("immediate", 1);
        var thrower = server.Server.CronJobs.Single(j => j.Name == "thrower");
        Assert.False(thrower.Enabled);
        Assert.Equal("0 0 1 1 * (UTC)", server.Server.CronJobs.Single(j => j.Name == nameof(ImmediateJob)).Schedule);
        Assert.DoesNotContain("throw", probe.Events);
    }

    [Theory]
    [InlineData("Resident:CronJobs:NoSuchJob:Enabled", "false", "Resident:CronJobs:NoSuchJob names no cron job")]
    [InlineData("Resident:CronJobs:LagJob:Expression", "61 * * * *", "Resident:CronJobs:LagJob:Expression has the cron expression '61 * * * *'")]
    [InlineData("Resident:CronJobs:LagJob:TimeZone", "Mars/Olympus", "Resident:CronJobs:LagJob:TimeZone has the time zone 'Mars/Olympus'")]
    [InlineData("Resident:CronJobs:LagJob:Interval", "0", "Resident:CronJobs:LagJob:Interval must be at least 1")]
    [InlineData("Resident:CustomProcesses:nobody:Num", "2", "Resident:CustomProcesses:nobody names no custom process")]
    [InlineData("Resident:CustomProcesses:echo:Num", "65", "Resident:CustomProcesses:echo:Num must be from 1 to 64")]
    [InlineData("Resident:TaskQueueFullMode", "Block", "Resident:TaskQueueFullMode must be one of Wait, Refuse")]
    [InlineData("Resident:TaskQueueCapacity", "0", "Resident:TaskQueueCapacity must be from 1 to 10000000")]
    public async Task Bad_background_settings_fail_the_start_naming_the_key(string key, string value, string expected)
    {
        var failure = await TestServer.StartFailureAsync(new() { [key] = value });
        Assert.Contains(expected, Flatten(failure), StringComparison.Ordinal);
    }

    [Fact]
    public void Cron_expressions_are_read_in_their_time_zone_across_daylight_saving_changes()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var daily = CronScheduler.ParseExpression("0 30 2 * * *", "test");

        // 2026-03-29: clocks jump from 02:00 to 03:00 in Berlin; the 02:30 run happens at the jump (03:00 CEST = 01:00 UTC).
        var spring = daily.GetNextOccurrence(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero), berlin)!.Value;
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), spring.ToUniversalTime());

        // 2026-10-25: 02:30 happens twice (CEST, then CET); the job runs once, at the first.
        var autumn = daily.GetNextOccurrence(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero), berlin)!.Value;
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), autumn.ToUniversalTime());
        var after = daily.GetNextOccurrence(autumn, berlin)!.Value;
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero), after.ToUniversalTime());

        var everyFiveSeconds = CronScheduler.ParseExpression("*/5 * * * * *", "test");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero),
            everyFiveSeconds.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), TimeZoneInfo.Utc));
        var fiveFields = CronScheduler.ParseExpression("15 * * * *", "test");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 15, 0, TimeSpan.Zero),
            fiveFields.GetNextOccurrence(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), TimeZoneInfo.Utc));

        var invalid = Assert.Throws<InvalidOperationException>(() => CronScheduler.ParseExpression("* * *", "[CronJob] App.Job"));
        Assert.Contains("[CronJob] App.Job has the cron expression '* * *'", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interval_runs_are_planned_on_a_fixed_grid_so_lateness_never_accumulates()
    {
        var probe = new BackgroundProbe(nameof(LagJob));
        await using var server = await StartAsync(probe);

        await probe.WaitForCountAsync("lag", 21);
        var ticks = probe.Ticks.ToArray();

        // Every planned start is a whole number of 25 ms intervals after the first, however late earlier runs were;
        // a run never starts before it is due.
        for (var i = 1; i < ticks.Length; i++)
        {
            var offset = ticks[i].Planned - ticks[0].Planned;
            Assert.Equal(0, offset.Ticks % TimeSpan.FromMilliseconds(25).Ticks);
            Assert.True(ticks[i].Planned > ticks[i - 1].Planned);
        }

        Assert.All(ticks, tick => Assert.True(tick.Lag >= TimeSpan.Zero));
        var job = server.Server.CronJobs.Single(j => j.Name == nameof(LagJob));
        Assert.True(job.Runs >= 21);
        Assert.True(job.LastLag >= TimeSpan.Zero);
    }

    [Fact]
    public async Task A_process_that_throws_or_returns_is_logged_and_restarted_with_a_crash_count()
    {
        var probe = new BackgroundProbe("crashy");
        await using var server = await StartAsync(probe);

        await probe.WaitForAsync(events => events.Contains("crashy-start:2"));
        var pipe = server.Server.Processes["crashy"];
        Assert.Equal(2, pipe.Crashes);
        Assert.Equal(1, pipe.Running);
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("Custom process crashy#0 failed; restarting", StringComparison.Ordinal)
            && entry.Exception is InvalidOperationException);
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("Custom process crashy#0 returned while the server runs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_written_to_a_process_comes_back_through_its_pipe()
    {
        var probe = new BackgroundProbe("echo");
        await using var server = await StartAsync(probe);
        var pipe = server.Server.Processes["echo"];

        await pipe.WriteAsync("ping");
        await pipe.WriteAsync("pong");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("echo:ping", await pipe.ReadAsync(timeout.Token));
        Assert.Equal("echo:pong", await pipe.ReadAsync(timeout.Token));

        Assert.Throws<KeyNotFoundException>(() => server.Server.Processes["nobody"]);
        Assert.Contains(server.Server.Processes, process => process.Name == "pair");
    }

    [Fact]
    public async Task Every_instance_of_a_process_runs_and_reload_and_stop_reach_them()
    {
        var probe = new BackgroundProbe("pair", "echo");
        var server = await StartAsync(probe);
        await probe.WaitForAsync(events => events.Contains("pair:0") && events.Contains("pair:1") && events.Contains("echo-start:0"));
        var pair = server.Server.Processes["pair"];
        Assert.Equal(2, pair.Running);

        await server.App.Services.GetRequiredService<Resident.Processes.CustomProcessSupervisor>().ReloadAsync();
        Assert.Contains("echo-reload", probe.Events);

        await server.DisposeAsync();
        Assert.Contains("echo-stop", probe.Events);
        Assert.Equal(0, pair.Running);
        Assert.Equal(0, pair.Crashes);
    }

    [Fact]
    public async Task A_graceful_stop_waits_for_running_and_queued_tasks()
    {
        var probe = new BackgroundProbe();
        var server = await StartAsync(probe, new() { ["Resident:TaskWorkerNum"] = "1", ["Resident:MaxWaitTime"] = "30" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await probe.WaitForAsync(events => events.Contains("started:running"));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "queued" }));

        var stopping = server.DisposeAsync().AsTask();
        // Once the stop has reached "refuse deliveries" (after requests drained), a delivery is refused.
        var queue = server.App.Services.GetRequiredService<Resident.Tasks.TaskQueue>();
        await WaitUntilAsync(() => !queue.IsAccepting);
        Assert.False(stopping.IsCompleted, "The stop did not wait for the running task.");
        Assert.False(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "too-late" }), "A stopping server accepted a task.");
        probe.Gate.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["started:running", "done:running", "task:queued"], probe.Events);
    }

    [Fact]
    public async Task A_graceful_stop_gives_up_at_MaxWaitTime_cancels_what_runs_and_logs_what_is_left()
    {
        var probe = new BackgroundProbe();
        var server = await StartAsync(probe, new() { ["Resident:TaskWorkerNum"] = "1", ["Resident:MaxWaitTime"] = "1" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new BlockingTask { Label = "stuck" }));
        await probe.WaitForAsync(events => events.Contains("started:stuck"));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "queued" }));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "delayed" }, delay: TimeSpan.FromHours(1)));

        var stopped = Stopwatch.GetTimestamp();
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.InRange(Stopwatch.GetElapsedTime(stopped).TotalSeconds, 0.9, 15);

        await probe.WaitForAsync(events => events.Contains("cancelled:stuck"));
        var warnings = server.Logs.Entries.Where(entry => entry.Level == LogLevel.Warning).Select(entry => entry.Message).ToArray();
        Assert.Contains(warnings, message => message.Contains("MaxWaitTime ran out before the task queue finished: 1 queued delivery(ies) not run, 1 running one(s) cancelled", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Entries, entry => entry.Message.Contains("Stop dropped 1 delayed delivery(ies) not yet due", StringComparison.Ordinal));
        Assert.DoesNotContain("task:queued", probe.Events);
        Assert.DoesNotContain("task:delayed", probe.Events);
    }

    [Fact]
    public async Task A_delayed_delivery_due_after_MaxWaitTime_is_dropped_at_once_and_logged_as_not_yet_due()
    {
        var probe = new BackgroundProbe();
        var server = await StartAsync(probe, new() { ["Resident:MaxWaitTime"] = "60" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "next-hour" }, delay: TimeSpan.FromHours(1)));
        Assert.Equal(1, server.Server.Tasks.Pending);

        var stopped = Stopwatch.GetTimestamp();
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // Nothing else was left, so the stop did not wait for MaxWaitTime, and it says what happened.
        Assert.True(Stopwatch.GetElapsedTime(stopped) < TimeSpan.FromSeconds(20), "The stop waited for a delivery due after the deadline.");
        var entry = Assert.Single(server.Logs.Entries, entry => entry.Message.Contains("not yet due", StringComparison.Ordinal));
        Assert.Contains("Stop dropped 1 delayed delivery(ies) not yet due: each was due after the MaxWaitTime deadline", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs.Entries, entry => entry.Message.Contains("MaxWaitTime ran out", StringComparison.Ordinal));
        Assert.DoesNotContain("task:next-hour", probe.Events);
    }

    [Fact]
    public async Task A_delayed_delivery_due_within_MaxWaitTime_is_waited_for_at_stop()
    {
        var probe = new BackgroundProbe();
        var server = await StartAsync(probe, new() { ["Resident:MaxWaitTime"] = "60" });

        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "soon" }, delay: TimeSpan.FromMilliseconds(300)));
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["task:soon"], probe.Events);
        Assert.DoesNotContain(server.Logs.Entries, entry => entry.Message.Contains("not yet due", StringComparison.Ordinal)
            || entry.Message.Contains("MaxWaitTime ran out", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "The condition never became true.");
            await Task.Delay(10);
        }
    }

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(Flatten))
            : exception.Message + (exception.InnerException is { } inner ? " | " + Flatten(inner) : "");
}
