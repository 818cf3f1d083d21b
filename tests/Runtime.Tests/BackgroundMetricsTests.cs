using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Resident.Metrics;
using Resident.Tests.Infrastructure;
using Resident.Timers;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// Resident's instruments of background work (tasks, events, cron jobs, custom processes, the supervisor), read from
/// each test host's own <c>Resident</c> meter with <see cref="MetricCollector{T}"/>, so hosts running at the same time
/// never mix.
/// </summary>
public sealed class BackgroundMetricsTests
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly KeyValuePair<string, object?> Completed = new("outcome", "completed");
    private static readonly KeyValuePair<string, object?> Failed = new("outcome", "failed");
    private static readonly KeyValuePair<string, object?> Retried = new("outcome", "retried");

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private static KeyValuePair<string, object?> TaskTag<TTask>() => Tag("task", typeof(TTask).FullName!);

    private static Task<TestServer> StartAsync(BackgroundProbe probe, Dictionary<string, string?>? settings = null, FakeTimeProvider? clock = null,
        ICronClusterLock? clusterLock = null) =>
        TestServer.StartAsync(settings, configure: builder =>
        {
            builder.Services.AddSingleton(probe);
            if (clock is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(clock);
            }

            if (clusterLock is not null)
            {
                builder.Services.AddSingleton(clusterLock);
            }
        }, mapWebSockets: false);

    private static MetricCollector<T> Collect<T>(TestServer server, string instrument) where T : struct =>
        new(server.App.Services.GetRequiredService<ResidentMetrics>().Meter, instrument);

    /// <summary>The sum of the measurements whose tags are exactly <paramref name="tags"/>.</summary>
    private static T Sum<T>(MetricCollector<T> collector, params KeyValuePair<string, object?>[] tags) where T : struct, System.Numerics.INumber<T> =>
        collector.GetMeasurementSnapshot().Where(measurement => measurement.MatchesTags(tags)).Aggregate(T.Zero, (sum, measurement) => sum + measurement.Value);

    private static double[] Values(MetricCollector<double> collector, params KeyValuePair<string, object?>[] tags) =>
        [.. collector.GetMeasurementSnapshot().Where(measurement => measurement.MatchesTags(tags)).Select(measurement => measurement.Value)];

    /// <summary>The value an observable instrument reports now for exactly <paramref name="tags"/>.</summary>
    private static int Observe(MetricCollector<int> collector, params KeyValuePair<string, object?>[] tags)
    {
        collector.Clear();
        collector.RecordObservableInstruments();
        return Assert.Single(collector.GetMeasurementSnapshot(), measurement => measurement.MatchesTags(tags)).Value;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"Never happened: {what}.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Ten_tasks_two_of_which_throw_count_ten_deliveries_eight_completed_and_two_failed_runs()
    {
        await using var server = await StartAsync(new BackgroundProbe());
        using var deliveries = Collect<long>(server, "resident.task.deliveries");
        using var runs = Collect<long>(server, "resident.task.runs");
        using var runDurations = Collect<double>(server, "resident.task.run.duration");
        using var waits = Collect<double>(server, "resident.task.wait.duration");

        for (var index = 0; index < 10; index++)
        {
            Assert.True(await server.Server.Tasks.DeliverAsync(new MeteredTask { Fail = index % 5 == 0 }));
        }

        await runs.WaitForMeasurementsAsync(10, Timeout);

        var task = TaskTag<MeteredTask>();
        Assert.Equal(10, Sum(deliveries, task));
        Assert.Equal(10, deliveries.GetMeasurementSnapshot().Count);
        Assert.Equal(8, Sum(runs, task, Completed));
        Assert.Equal(2, Sum(runs, task, Failed));
        Assert.Equal(0, Sum(runs, task, Retried));
        Assert.Equal(10, runs.GetMeasurementSnapshot().Count);
        Assert.Equal(10, Values(runDurations, task).Length);
        Assert.Equal(10, Values(waits, task).Length);
        Assert.All(Values(runDurations, task).Concat(Values(waits, task)), seconds => Assert.InRange(seconds, 0, Timeout.TotalSeconds));
        Assert.Equal("s", runDurations.Instrument!.Unit);
        Assert.Equal("{task}", deliveries.Instrument!.Unit);
        Assert.Equal("Resident", runs.Instrument!.Meter.Name);
    }

    [Fact]
    public async Task A_retried_task_counts_its_failed_try_as_retried_and_its_last_as_completed()
    {
        await using var server = await StartAsync(new BackgroundProbe());
        using var runs = Collect<long>(server, "resident.task.runs");
        using var runDurations = Collect<double>(server, "resident.task.run.duration");
        using var waits = Collect<double>(server, "resident.task.wait.duration");

        Assert.True(await server.Server.Tasks.DeliverAsync(new MeteredRetriedTask()));
        await runs.WaitForMeasurementsAsync(2, Timeout);

        var task = TaskTag<MeteredRetriedTask>();
        Assert.Equal(1, Sum(runs, task, Retried));
        Assert.Equal(1, Sum(runs, task, Completed));
        Assert.Equal(0, Sum(runs, task, Failed));
        Assert.Equal(2, Values(runDurations, task).Length);

        // Each try waits for a worker: the retry from its due time.
        Assert.Equal(2, Values(waits, task).Length);
    }

    [Fact]
    public async Task A_durable_task_counts_a_delivery_once_stored_and_its_runs_read_back_by_outcome()
    {
        var transport = new StoringTransport();
        await using var server = await TestServer.StartAsync(new() { ["Resident:Tasks:KeyedTask:Durable"] = "true" }, configure: builder =>
        {
            builder.Services.AddSingleton(new BackgroundProbe());
            builder.Services.AddSingleton<Resident.Tasks.IDurableTaskTransport>(transport);
        }, mapWebSockets: false);
        var queue = server.App.Services.GetRequiredService<Resident.Tasks.TaskQueue>();
        using var deliveries = Collect<long>(server, "resident.task.deliveries");
        using var runs = Collect<long>(server, "resident.task.runs");
        using var waits = Collect<double>(server, "resident.task.wait.duration");
        var task = TaskTag<KeyedTask>();

        Assert.True(await server.Server.Tasks.DeliverAsync(new KeyedTask { Label = "stored" }));
        Assert.True(await server.Server.Tasks.DeliverAsync(new KeyedTask { Label = "stored" }, TimeSpan.FromMinutes(5)));
        Assert.Equal(2, Sum(deliveries, task));

        // Read back by the transport: one succeeds, one fails its first of two tries, then its last.
        static Resident.Tasks.DurableMessage Message(string payload, int attempt) => new(typeof(KeyedTask).FullName!, System.Text.Encoding.UTF8.GetBytes(payload), 0, attempt, "key");
        Assert.Null(await queue.AcceptDurableAsync(Message("""{"label":"ok"}""", 1), new IgnoredReceipt(), default));
        Assert.Null(await queue.AcceptDurableAsync(Message("""{"label":"bad","failTimes":9}""", 1), new IgnoredReceipt(), default));
        Assert.Null(await queue.AcceptDurableAsync(Message("""{"label":"bad","failTimes":9}""", 2), new IgnoredReceipt(), default));
        await runs.WaitForMeasurementsAsync(3, Timeout);

        Assert.Equal(1, Sum(runs, task, Completed));
        Assert.Equal(1, Sum(runs, task, Retried));
        Assert.Equal(1, Sum(runs, task, Failed));
        Assert.Equal(3, Values(waits, task).Length);
        Assert.Equal(2, Sum(deliveries, task)); // Reading back is not a new delivery.
    }

    [Fact]
    public async Task A_full_queue_counts_refusals_of_tasks_and_firings_and_the_queue_is_observed()
    {
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, new()
        {
            ["Resident:TaskWorkerNum"] = "1",
            ["Resident:TaskQueueCapacity"] = "2",
            ["Resident:TaskQueueFullMode"] = "Refuse",
        });
        var tasks = server.Server.Tasks;
        using var deliveries = Collect<long>(server, "resident.task.deliveries");
        using var refusals = Collect<long>(server, "resident.task.refusals");
        using var eventRefusals = Collect<long>(server, "resident.event.refusals");
        using var runs = Collect<long>(server, "resident.task.runs");
        using var queued = Collect<int>(server, "resident.task.queued");
        using var running = Collect<int>(server, "resident.task.running");

        // One running, two waiting in the ready queue (full), one delayed (counted apart).
        Assert.True(await tasks.DeliverAsync(new MeteredBlockingTask { Label = "1" }));
        await probe.WaitForAsync(events => events.Contains("metered-started:1"));
        Assert.True(await tasks.DeliverAsync(new MeteredBlockingTask { Label = "2" }));
        Assert.True(await tasks.DeliverAsync(new MeteredBlockingTask { Label = "3" }));
        Assert.True(await tasks.DeliverAsync(new MeteredTask(), delay: TimeSpan.FromHours(1)));
        Assert.Equal(3, Observe(queued));
        Assert.Equal(1, Observe(running));

        Assert.False(await tasks.DeliverAsync(new MeteredBlockingTask { Label = "4" }));
        Assert.False(await server.Server.Events.FireAsync(new MeteredEvent()));

        var blocking = TaskTag<MeteredBlockingTask>();
        Assert.Equal(1, Sum(refusals, blocking));
        Assert.Single(refusals.GetMeasurementSnapshot());
        Assert.Equal(1, Sum(eventRefusals, Tag("event", typeof(MeteredEvent).FullName!)));
        Assert.Equal(3, Sum(deliveries, blocking));
        Assert.Equal(1, Sum(deliveries, TaskTag<MeteredTask>()));

        probe.Gate.SetResult();
        await runs.WaitForMeasurementsAsync(3, Timeout);
        Assert.Equal(3, Sum(runs, blocking, Completed));
        await WaitUntilAsync(() => Observe(running) == 0 && Observe(queued) == 1, "only the delayed task left queued");
    }

    [Fact]
    public async Task A_wait_is_measured_from_the_delivery_or_the_due_time_and_a_run_by_its_duration()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe();
        await using var server = await StartAsync(probe, new() { ["Resident:TaskWorkerNum"] = "1" }, clock);
        var tasks = server.Server.Tasks;
        using var waits = Collect<double>(server, "resident.task.wait.duration");
        using var runDurations = Collect<double>(server, "resident.task.run.duration");

        // The held task runs 3 s on the fake clock; one task waits behind it from its delivery, one from its due time (1 s).
        Assert.True(await tasks.DeliverAsync(new MeteredBlockingTask { Label = "held" }));
        await probe.WaitForAsync(events => events.Contains("metered-started:held"));
        Assert.True(await tasks.DeliverAsync(new MeteredTask()));
        Assert.True(await tasks.DeliverAsync(new MeteredTask(), delay: TimeSpan.FromSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(3));
        probe.Gate.SetResult();
        await runDurations.WaitForMeasurementsAsync(3, Timeout);

        Assert.Equal([0.0], Values(waits, TaskTag<MeteredBlockingTask>()));
        Assert.Equal([2.0, 3.0], Values(waits, TaskTag<MeteredTask>()).Order());
        Assert.Equal([3.0], Values(runDurations, TaskTag<MeteredBlockingTask>()));
        Assert.Equal([0.0, 0.0], Values(runDurations, TaskTag<MeteredTask>()));
    }

    [Fact]
    public async Task An_event_with_two_listeners_counts_one_firing_and_a_run_of_each_listener()
    {
        await using var server = await StartAsync(new BackgroundProbe());
        using var fired = Collect<long>(server, "resident.event.fired");
        using var listenerRuns = Collect<long>(server, "resident.event.listener.runs");
        using var taskDeliveries = Collect<long>(server, "resident.task.deliveries");
        var first = Tag("listener", typeof(MeteredFirstListener).FullName!);
        var second = Tag("listener", typeof(MeteredSecondListener).FullName!);

        Assert.True(await server.Server.Events.FireAsync(new MeteredEvent()));
        await listenerRuns.WaitForMeasurementsAsync(2, Timeout);

        Assert.Equal(1, Sum(fired, Tag("event", typeof(MeteredEvent).FullName!)));
        Assert.Single(fired.GetMeasurementSnapshot());
        Assert.Equal(1, Sum(listenerRuns, first, Completed));
        Assert.Equal(1, Sum(listenerRuns, second, Completed));
        Assert.Equal(2, listenerRuns.GetMeasurementSnapshot().Count);

        // A failing listener's last try counts as failed; an event without listeners still counts as fired.
        Assert.True(await server.Server.Events.FireAsync(new MeteredEvent { FailSecond = true }));
        Assert.True(await server.Server.Events.FireAsync(new UnheardEvent()));
        await listenerRuns.WaitForMeasurementsAsync(4, Timeout);

        Assert.Equal(2, Sum(fired, Tag("event", typeof(MeteredEvent).FullName!)));
        Assert.Equal(1, Sum(fired, Tag("event", typeof(UnheardEvent).FullName!)));
        Assert.Equal(2, Sum(listenerRuns, first, Completed));
        Assert.Equal(1, Sum(listenerRuns, second, Completed));
        Assert.Equal(1, Sum(listenerRuns, second, Failed));
        Assert.Empty(taskDeliveries.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Firings_passed_over_while_a_run_holds_the_schedule_up_are_overlap_skips_and_those_passed_over_late_are_late_skips()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe(nameof(MeteredCronJob));
        await using var server = await StartAsync(probe, clock: clock);
        var job = server.Server.CronJobs.Single(candidate => candidate.Name == nameof(MeteredCronJob));
        var jobTag = Tag("job", nameof(MeteredCronJob));
        using var runs = Collect<long>(server, "resident.cron.runs");
        using var skips = Collect<long>(server, "resident.cron.skips");

        // Run 1 starts at 1 s and holds the schedule up until 4.5 s: the firings due at 2, 3 and 4 s overlap it.
        await WaitUntilAsync(() => job.NextRun == Origin + TimeSpan.FromSeconds(1), "the first firing planned");
        clock.Advance(TimeSpan.FromSeconds(1));
        await probe.WaitForAsync(events => events.Contains("metered-cron:1"));
        clock.Advance(TimeSpan.FromSeconds(3.5));
        probe.Gate.SetResult();
        await WaitUntilAsync(() => job.NextRun == Origin + TimeSpan.FromSeconds(5), "the firing after the overlap planned");

        Assert.Equal(3, Sum(skips, jobTag, Tag("reason", "overlap")));
        Assert.Equal(0, Sum(skips, jobTag, Tag("reason", "late")));
        Assert.Equal(1, Sum(runs, jobTag, Completed));

        // The scheduler wakes 2 s after the firing due at 5 s: run 2 (which throws) starts late, and the firings due
        // at 6 and 7 s, passed over before it, are late, not overlapping.
        clock.Advance(TimeSpan.FromSeconds(2.5));
        await WaitUntilAsync(() => job.NextRun == Origin + TimeSpan.FromSeconds(8), "the firing after the late one planned");

        Assert.Equal(3, Sum(skips, jobTag, Tag("reason", "overlap")));
        Assert.Equal(2, Sum(skips, jobTag, Tag("reason", "late")));
        Assert.Equal(5, job.Skipped);
        Assert.Equal(1, Sum(runs, jobTag, Completed));
        Assert.Equal(1, Sum(runs, jobTag, Failed));
    }

    [Fact]
    public async Task Cluster_firings_another_node_claimed_or_no_node_could_claim_count_as_skips_with_their_reason()
    {
        var clock = new FakeTimeProvider(Origin);
        var probe = new BackgroundProbe(nameof(MeteredClusterJob));
        var clusterLock = new ScriptedClusterLock(nameof(MeteredClusterJob), CronClaim.Elsewhere, CronClaim.Unavailable, CronClaim.GrantedWithoutToken);
        await using var server = await StartAsync(probe, clock: clock, clusterLock: clusterLock);
        var job = server.Server.CronJobs.Single(candidate => candidate.Name == nameof(MeteredClusterJob));
        var jobTag = Tag("job", nameof(MeteredClusterJob));
        using var runs = Collect<long>(server, "resident.cron.runs");
        using var skips = Collect<long>(server, "resident.cron.skips");

        for (var firing = 1; firing <= 3; firing++)
        {
            var planned = Origin + TimeSpan.FromSeconds(firing);
            await WaitUntilAsync(() => job.NextRun == planned, $"firing {firing} planned");
            clock.Advance(planned - clock.GetUtcNow());
            await WaitUntilAsync(() => clusterLock.Claims == firing, $"firing {firing} claimed");
        }

        await WaitUntilAsync(() => Sum(runs, jobTag, Completed) == 1, "the granted firing ran");
        Assert.Equal(1, Sum(skips, jobTag, Tag("reason", "ran_elsewhere")));
        Assert.Equal(1, Sum(skips, jobTag, Tag("reason", "lock_unavailable")));
        Assert.Equal(2, skips.GetMeasurementSnapshot().Count(measurement => measurement.ContainsTags(jobTag)));
        Assert.Equal(1, runs.GetMeasurementSnapshot().Count(measurement => measurement.ContainsTags(jobTag)));
    }

    [Fact]
    public async Task A_custom_process_that_crashes_counts_its_restarts_and_its_running_instances_are_observed()
    {
        var probe = new BackgroundProbe("metered-crashy");
        await using var server = await StartAsync(probe);
        using var restarts = Collect<long>(server, "resident.process.restarts");
        using var running = Collect<int>(server, "resident.process.running");
        var process = Tag("process", "metered-crashy");

        // Its first instance throws, the second returns, the third runs on.
        await probe.WaitForAsync(events => events.Contains("metered-crashy-start:0"));
        probe.Gate.SetResult();
        await probe.WaitForAsync(events => events.Contains("metered-crashy-start:2"));

        Assert.Equal(2, Sum(restarts, process));
        Assert.Equal(2, restarts.GetMeasurementSnapshot().Count);
        Assert.Equal(1, Observe(running, process));

        // The two-instance process starts on loops of its own, independent of the crashing one.
        await WaitUntilAsync(() => server.Server.Processes["pair"].Running == 2, "both pair instances running");
        Assert.Equal(2, Observe(running, Tag("process", "pair")));
    }

    [Fact]
    public void The_supervisor_instruments_count_reloads_recycles_and_exits_by_reason_and_observe_workers_by_state()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<ResidentMetrics>().BuildServiceProvider();
        var metrics = services.GetRequiredService<ResidentMetrics>();
        using var reloads = new MetricCollector<long>(metrics.Meter, "resident.supervisor.reloads");
        using var recycles = new MetricCollector<long>(metrics.Meter, "resident.supervisor.recycles");
        using var exits = new MetricCollector<long>(metrics.Meter, "resident.supervisor.worker.exits");
        var workers = (Serving: 2, Draining: 1, Starting: 0);
        metrics.ObserveSupervisorWorkers(() => workers);
        using var observed = new MetricCollector<int>(metrics.Meter, "resident.supervisor.workers");

        metrics.AddSupervisorReload();
        metrics.AddSupervisorRecycle();
        metrics.AddSupervisorRecycle();
        metrics.AddWorkerExit(ResidentMetrics.WorkerExitReason.Retired);
        metrics.AddWorkerExit(ResidentMetrics.WorkerExitReason.Retired);
        metrics.AddWorkerExit(ResidentMetrics.WorkerExitReason.Crashed);
        metrics.AddWorkerExit(ResidentMetrics.WorkerExitReason.Stopped);

        Assert.Equal(1, Sum(reloads));
        Assert.Equal(2, Sum(recycles));
        Assert.Equal(2, Sum(exits, Tag("reason", "retired")));
        Assert.Equal(1, Sum(exits, Tag("reason", "crashed")));
        Assert.Equal(1, Sum(exits, Tag("reason", "stopped")));
        Assert.Equal(2, Observe(observed, Tag("state", "serving")));
        Assert.Equal(1, Observe(observed, Tag("state", "draining")));
        Assert.Equal(0, Observe(observed, Tag("state", "starting")));

        workers = (1, 0, 1);
        Assert.Equal(1, Observe(observed, Tag("state", "serving")));
        Assert.Equal(1, Observe(observed, Tag("state", "starting")));
    }

    [Theory]
    [InlineData(2, 4, 1000, 4500, 3)] // Run from 1 s to 4.5 s: the firings at 2, 3 and 4 s were due during it.
    [InlineData(6, 7, 7000, 7000, 0)] // A run that took no time: the firings passed over were late.
    [InlineData(2, 9, 3000, 5000, 2)] // Only the firings at 4 and 5 s fall in (3 s, 5 s].
    [InlineData(1, 3, 0, 10_000, 3)] // Bounded by the firings passed over.
    public void The_firings_due_during_a_run_are_counted_on_the_grid(long first, long last, long from, long until, long expected) =>
        Assert.Equal(expected, CronJobRunner.CountDue(first, last, 0, 1000, from, until));

    private sealed class StoringTransport : Resident.Tasks.IDurableTaskTransport
    {
        public ValueTask<bool> SendAsync(Resident.Tasks.DurableMessage message, TimeSpan delay, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }

    private sealed class IgnoredReceipt : Resident.Tasks.IDurableReceipt
    {
        public Task CompleteAsync() => Task.CompletedTask;

        public Task RetryAsync(int nextAttempt, TimeSpan delay) => Task.CompletedTask;

        public Task DeadLetterAsync(int attempt, string reason) => Task.CompletedTask;

        public void Abandon()
        {
        }
    }

    /// <summary>Answers one job's claims from a script, in order; grants every other job's (they stop themselves at their first run).</summary>
    private sealed class ScriptedClusterLock(string job, params CronClaim[] script) : ICronClusterLock
    {
        private readonly ConcurrentQueue<CronClaim> _script = new(script);
        private int _claims;

        public int Claims => Volatile.Read(ref _claims);

        public bool Shared => true;

        public ValueTask<CronClaim> TryClaimAsync(string name, DateTimeOffset plannedAt, TimeSpan lease, CancellationToken cancellationToken)
        {
            if (name != job)
            {
                return ValueTask.FromResult(CronClaim.GrantedWithoutToken);
            }

            Interlocked.Increment(ref _claims);
            return ValueTask.FromResult(_script.TryDequeue(out var claim) ? claim : CronClaim.Elsewhere);
        }
    }
}
