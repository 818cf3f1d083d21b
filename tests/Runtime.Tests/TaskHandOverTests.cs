using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Resident.Hosting;
using Resident.Tasks;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>
/// A reload hands a worker's pending deliveries to the next generation: two real hosts in this process stand for the
/// old and the new worker, and every delivery runs exactly once across both.
/// </summary>
public sealed class TaskHandOverTests
{
    private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Queued_delayed_and_retrying_deliveries_run_exactly_once_in_the_new_generation_and_delays_keep_their_due_time()
    {
        var clock = new FakeTimeProvider(Origin);
        await using var old = await Host.StartAsync(clock, withUncoded: true);

        // Waiting for a retry: a task that failed its first try, and an event whose first listener ran and whose second failed once.
        Assert.True(await old.Tasks.DeliverAsync(new HandOverFlakyTask { Id = "retry" }));
        await old.Probe.WaitForAsync(events => events.Contains("try:retry:1/3"));
        await WaitUntilAsync(() => old.Queue.Pending == 1);
        Assert.True(await old.Events.FireAsync(new HandOverEvent { Id = "half", FailSecondOnce = true }));
        await old.Probe.WaitForAsync(events => events.Contains("second:half:1"));
        await WaitUntilAsync(() => old.Queue.Pending == 2);

        // Running: holds the old worker's only task worker, so what comes next stays queued.
        Assert.True(await old.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await old.Probe.WaitForAsync(events => events.Contains("started:running"));
        string[] queued = ["q1", "q2", "q3", "q4"];
        foreach (var id in queued)
        {
            Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = id }));
        }

        Assert.True(await old.Events.FireAsync(new HandOverEvent { Id = "queued" }));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "in-2s" }, delay: TimeSpan.FromSeconds(2)));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "in-1h" }, delay: TimeSpan.FromHours(1)));
        Assert.True(await old.Tasks.DeliverAsync(new UncodedTask { Id = "now" }));
        Assert.True(await old.Tasks.DeliverAsync(new UncodedTask { Id = "later" }, delay: TimeSpan.FromMilliseconds(300)));
        Assert.Equal(11, old.Queue.Pending);

        var batch = old.Queue.HandOver();

        Assert.Equal(9, batch.Count);
        Assert.Equal(4, batch.Waiting);
        Assert.Equal(2, batch.Kept);
        Assert.False(await old.Tasks.DeliverAsync(new HandOverTask { Id = "refused" }), "The old generation accepted a delivery after the hand-over.");
        await WaitUntilAsync(() => old.Queue.Pending == 2); // Only the deliveries without a codec stayed.
        Assert.Contains(old.Logs.Entries, entry => entry.Message.Contains("Handed 9 pending delivery(ies) over to the next generation (4 of them", StringComparison.Ordinal));
        var kept = Assert.Single(old.Logs.Entries, entry => entry.Message.Contains("cannot be handed over", StringComparison.Ordinal));
        Assert.Contains("2 pending delivery(ies)", kept.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(UncodedTask).FullName!, kept.Message, StringComparison.Ordinal);

        await using var next = await Host.StartAsync(clock, withUncoded: false);
        Assert.Equal(9, next.Queue.TakeOver(batch.Bytes));
        Assert.Contains(next.Logs.Entries, entry => entry.Message.Contains("Took over 9 delivery(ies) from the previous generation (4 of them not yet due); 0 dropped", StringComparison.Ordinal));

        // The queued ones run at once, in their order; the event runs all its listeners.
        await next.Probe.WaitForAsync(events => queued.All(id => events.Contains("run:" + id)) && events.Contains("third:queued"));
        Assert.Equal(queued.Select(id => "run:" + id), next.Probe.Events.Where(e => e.StartsWith("run:", StringComparison.Ordinal)));
        Assert.Equal(["first:queued", "second:queued:1", "third:queued"], next.Probe.Events.Where(e => e.EndsWith("queued", StringComparison.Ordinal) || e.EndsWith("queued:1", StringComparison.Ordinal)));

        // The waiting ones run at their due time, not a millisecond before: the listener retry at 500 ms, the task retry at 1 s, the delay at 2 s.
        await AdvanceAndExpectAsync(clock, next, TimeSpan.FromMilliseconds(500), "second:half:2");
        await next.Probe.WaitForAsync(events => events.Contains("third:half"));
        await AdvanceAndExpectAsync(clock, next, TimeSpan.FromMilliseconds(500), "try:retry:2/3");
        await AdvanceAndExpectAsync(clock, next, TimeSpan.FromMilliseconds(1000), "run:in-2s");
        await AdvanceAndExpectAsync(clock, next, TimeSpan.FromHours(1) - TimeSpan.FromSeconds(2), "run:in-1h");

        // The running delivery and the ones without a codec finish in the old generation, which then stops at once.
        old.Probe.Gate.SetResult();
        await old.Probe.WaitForAsync(events => events.Contains("done:running") && events.Contains("uncoded:now") && events.Contains("uncoded:later"));
        var stopped = Stopwatch.GetTimestamp();
        await old.DisposeAsync();
        Assert.True(Stopwatch.GetElapsedTime(stopped) < TimeSpan.FromSeconds(20), "The old generation's stop waited for deliveries it had handed over.");
        Assert.DoesNotContain(old.Logs.Entries, entry => entry.Message.Contains("not yet due", StringComparison.Ordinal) || entry.Message.Contains("MaxWaitTime ran out", StringComparison.Ordinal));

        // Exactly once across both generations, and each step where it belongs.
        string[] runs = ["run:q1", "run:q2", "run:q3", "run:q4", "run:in-2s", "run:in-1h", "first:queued", "second:queued:1", "third:queued", "second:half:2", "third:half", "try:retry:2/3"];
        foreach (var run in runs)
        {
            Assert.Equal((0, 1), (old.Probe.Count(run), next.Probe.Count(run)));
        }

        foreach (var run in (string[])["try:retry:1/3", "first:half", "second:half:1", "started:running", "done:running", "uncoded:now", "uncoded:later"])
        {
            Assert.Equal((1, 0), (old.Probe.Count(run), next.Probe.Count(run)));
        }

        Assert.DoesNotContain(old.Probe.Events, e => e.StartsWith("run:", StringComparison.Ordinal) || e.StartsWith("try:retry:2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_delivery_runs_exactly_once_when_the_hand_over_races_delays_coming_due()
    {
        const int Deliveries = 300;
        await using var old = await Host.StartAsync(TimeProvider.System, withUncoded: false, workers: 2);
        for (var i = 0; i < Deliveries; i++)
        {
            // Due over the next 60 ms: many come due while the hand-over takes the rest.
            Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = i.ToString(CultureInfo.InvariantCulture) }, delay: TimeSpan.FromMilliseconds(i % 60)));
        }

        await Task.Delay(30);
        var batch = old.Queue.HandOver();
        await using var next = await Host.StartAsync(TimeProvider.System, withUncoded: false, workers: 2);
        Assert.Equal(batch.Count, next.Queue.TakeOver(batch.Bytes));

        await WaitUntilAsync(() => Enumerable.Range(0, Deliveries).All(i => old.Probe.Count("run:" + i) + next.Probe.Count("run:" + i) >= 1));
        await old.DisposeAsync();
        await next.DisposeAsync();
        for (var i = 0; i < Deliveries; i++)
        {
            Assert.Equal(1, old.Probe.Count("run:" + i) + next.Probe.Count("run:" + i));
        }

        Assert.Equal(Deliveries - batch.Count, old.Probe.Events.Count);
    }

    [Fact]
    public async Task A_delivery_whose_codec_fails_stays_in_the_old_generation_and_runs_there()
    {
        await using var old = await Host.StartAsync(TimeProvider.System, withUncoded: true);
        Assert.True(await old.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await old.Probe.WaitForAsync(events => events.Contains("started:running"));
        Assert.True(await old.Tasks.DeliverAsync(new UnwritableTask { Id = "now" }));
        Assert.True(await old.Tasks.DeliverAsync(new UnwritableTask { Id = "soon" }, delay: TimeSpan.FromMilliseconds(200)));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "leaves" }));

        var batch = old.Queue.HandOver();

        Assert.Equal((1, 0, 2), (batch.Count, batch.Waiting, batch.Kept));
        var failures = old.Logs.Entries.Where(entry => entry.Message.Contains("failed to write a pending delivery for the hand-over", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, failures.Length);
        Assert.All(failures, entry => Assert.IsType<InvalidOperationException>(entry.Exception));
        var entry = Assert.Single(HandOverEnvelope.Read(batch.Bytes));
        Assert.Equal(typeof(HandOverTask).FullName, entry.Name);

        old.Probe.Gate.SetResult();
        await old.Probe.WaitForAsync(events => events.Contains("unwritable:now") && events.Contains("unwritable:soon"));
        await old.DisposeAsync();
        Assert.Equal(1, old.Probe.Count("unwritable:now"));
        Assert.Equal(1, old.Probe.Count("unwritable:soon"));
        Assert.Equal(0, old.Probe.Count("run:leaves"));
    }

    [Fact]
    public async Task Handed_over_deliveries_bypass_the_capacity_of_the_new_queue_and_all_run()
    {
        await using var old = await Host.StartAsync(TimeProvider.System, withUncoded: false);
        Assert.True(await old.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await old.Probe.WaitForAsync(events => events.Contains("started:running"));
        for (var i = 0; i < 8; i++)
        {
            Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "h" + i }));
        }

        var batch = old.Queue.HandOver();
        await using var next = await Host.StartAsync(TimeProvider.System, withUncoded: false, capacity: 2);
        Assert.True(await next.Tasks.DeliverAsync(new BlockingTask { Label = "busy" }));
        await next.Probe.WaitForAsync(events => events.Contains("started:busy"));

        Assert.Equal(8, next.Queue.TakeOver(batch.Bytes));
        Assert.Equal(8, next.Queue.Pending);
        Assert.False(await next.Tasks.DeliverAsync(new HandOverTask { Id = "new" }), "A new delivery got past the full queue.");

        next.Probe.Gate.SetResult();
        await next.Probe.WaitForAsync(events => Enumerable.Range(0, 8).All(i => events.Contains("run:h" + i)));
        Assert.Equal(8, next.Probe.Events.Count(e => e.StartsWith("run:h", StringComparison.Ordinal)));
        Assert.Equal(0, old.Probe.Events.Count(e => e.StartsWith("run:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_malformed_batch_is_rejected_as_a_whole_with_a_log_line_and_the_new_generation_keeps_running()
    {
        await using var old = await Host.StartAsync(TimeProvider.System, withUncoded: false);
        Assert.True(await old.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await old.Probe.WaitForAsync(events => events.Contains("started:running"));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "a" }));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "b" }, delay: TimeSpan.FromHours(1)));
        var batch = old.Queue.HandOver();
        Assert.Equal(2, batch.Count);

        await using var next = await Host.StartAsync(TimeProvider.System, withUncoded: false);
        var text = Encoding.UTF8.GetString(batch.Bytes);
        byte[][] corrupted =
        [
            [],
            batch.Bytes[..^1],
            batch.Bytes[..(batch.Bytes.Length / 2)],
            [.. batch.Bytes, .. "x"u8],
            Encoding.UTF8.GetBytes(text.Replace("\"version\":1", "\"version\":9", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(text.Replace("\"attempt\":1", "\"attempt\":0", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(text.Replace("\"kind\":\"task\"", "\"kind\":\"thing\"", StringComparison.Ordinal)),
            Encoding.UTF8.GetBytes(text.Replace("\"payload\":{", "\"payload\":[{", StringComparison.Ordinal)),
            [.. batch.Bytes.Select(b => (byte)(b ^ 0x5A))],
        ];
        foreach (var bytes in corrupted)
        {
            Assert.Equal(0, next.Queue.TakeOver(bytes));
        }

        var rejections = next.Logs.Entries.Where(entry => entry.Message.Contains("is malformed and rejected as a whole", StringComparison.Ordinal)).ToArray();
        Assert.Equal(corrupted.Length, rejections.Length);
        Assert.All(rejections, entry => Assert.Equal(LogLevel.Error, entry.Level));
        Assert.Contains(rejections, entry => entry.Message.Contains("version 9 is not understood", StringComparison.Ordinal));
        Assert.Equal(0, next.Queue.Pending);

        // Still running: its own deliveries run, and the intact batch is taken over after all.
        Assert.True(await next.Tasks.DeliverAsync(new HandOverTask { Id = "own" }));
        await next.Probe.WaitForAsync(events => events.Contains("run:own"));
        Assert.Equal(2, next.Queue.TakeOver(batch.Bytes));
        await next.Probe.WaitForAsync(events => events.Contains("run:a"));
        Assert.Equal(1, next.Queue.Pending);
        old.Probe.Gate.SetResult();
    }

    [Fact]
    public async Task A_delivery_whose_type_the_new_code_removed_is_dropped_with_its_name_logged()
    {
        await using var old = await Host.StartAsync(TimeProvider.System, withUncoded: false);
        Assert.True(await old.Tasks.DeliverAsync(new BlockingTask { Label = "running" }));
        await old.Probe.WaitForAsync(events => events.Contains("started:running"));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverFlakyTask { Id = "gone" }));
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "known" }));
        Assert.True(await old.Events.FireAsync(new HandOverEvent { Id = "event" }));
        var batch = old.Queue.HandOver();
        Assert.Equal(3, batch.Count);

        // The new code has no HandOverFlakyTask, and the event's next listener (order 1) is gone: it resumes at the one after it.
        var renamed = Encoding.UTF8.GetString(batch.Bytes)
            .Replace(typeof(HandOverFlakyTask).FullName!, "Resident.Tests.RemovedTask", StringComparison.Ordinal)
            .Replace(typeof(HandOverFirstListener).FullName!, "Resident.Tests.HandOverGoneListener", StringComparison.Ordinal);
        await using var next = await Host.StartAsync(TimeProvider.System, withUncoded: false);
        Assert.Equal(2, next.Queue.TakeOver(Encoding.UTF8.GetBytes(renamed)));

        await next.Probe.WaitForAsync(events => events.Contains("run:known") && events.Contains("third:event"));
        Assert.Equal(["second:event:1", "third:event"], next.Probe.Events.Where(e => e.Contains("event", StringComparison.Ordinal)));
        var dropped = Assert.Single(next.Logs.Entries, entry => entry.Message.Contains("A handed-over", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, dropped.Level);
        Assert.Contains("A handed-over task Resident.Tests.RemovedTask is dropped: this version declares no such type", dropped.Message, StringComparison.Ordinal);
        Assert.Contains(next.Logs.Entries, entry => entry.Message.Contains("Took over 2 delivery(ies) from the previous generation (0 of them not yet due); 1 dropped", StringComparison.Ordinal));
        Assert.DoesNotContain(next.Probe.Events, e => e.StartsWith("try:", StringComparison.Ordinal));
        old.Probe.Gate.SetResult();
        await old.Probe.WaitForAsync(events => events.Contains("done:running"));
        Assert.DoesNotContain(old.Probe.Events, e => e.StartsWith("try:", StringComparison.Ordinal) || e.StartsWith("run:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_envelope_reads_back_exactly_what_was_written()
    {
        HandOverEntry[] entries =
        [
            new(HandOverEnvelope.TaskKind, "App.SendMail", """{"to":"a@b.c","body":"h\u00e9llo \"there\"","n":[1,2]}"""u8.ToArray(), 0, 1, null, 0, null),
            new(HandOverEnvelope.TaskKind, "App.Retry", "{}"u8.ToArray(), 7, 3, null, 0, 1_767_225_602_001),
            new(HandOverEnvelope.EventKind, "App.OrderPlaced", """{"orderId":"42","nested":{"x":null}}"""u8.ToArray(), 2, 2, "App.Audit", -5, -1),
        ];

        var bytes = HandOverEnvelope.Write(entries);
        Assert.Equal(entries, HandOverEnvelope.Read(bytes));
        Assert.Empty(HandOverEnvelope.Read(HandOverEnvelope.Write([])));

        // Unknown properties (a later version's additions inside version 1) are skipped; nothing else is tolerated.
        var extended = Encoding.UTF8.GetString(bytes).Replace("\"name\":", "\"hint\":{\"a\":[1,{}]},\"name\":", StringComparison.Ordinal);
        Assert.Equal(entries, HandOverEnvelope.Read(Encoding.UTF8.GetBytes(extended)));
        Assert.ThrowsAny<JsonException>(() => HandOverEnvelope.Read(bytes[..^2]));
        Assert.ThrowsAny<JsonException>(() => HandOverEnvelope.Read("""{"format":"resident-handover","version":1}"""u8));
        Assert.ThrowsAny<JsonException>(() => HandOverEnvelope.Read("""{"format":"other","version":1,"items":[]}"""u8));
    }

    [Fact]
    public async Task A_real_batch_carries_payloads_through_the_generated_codecs_with_absolute_due_times()
    {
        var clock = new FakeTimeProvider(Origin);
        await using var old = await Host.StartAsync(clock, withUncoded: false);
        Assert.True(await old.Tasks.DeliverAsync(new HandOverTask { Id = "x\"y" }, delay: TimeSpan.FromMilliseconds(1500), tries: 4));
        Assert.True(await old.Events.FireAsync(new HandOverEvent { Id = "e", FailSecondOnce = true }, delay: TimeSpan.FromSeconds(3)));

        var entries = HandOverEnvelope.Read(old.Queue.HandOver().Bytes);

        HandOverEntry[] expected =
        [
            new(HandOverEnvelope.TaskKind, typeof(HandOverTask).FullName!, """{"id":"x\u0022y"}"""u8.ToArray(), 4, 1, null, 0, Origin.AddMilliseconds(1500).ToUnixTimeMilliseconds()),
            new(HandOverEnvelope.EventKind, typeof(HandOverEvent).FullName!, """{"id":"e","failSecondOnce":true}"""u8.ToArray(), 0, 1,
                typeof(HandOverFirstListener).FullName!, 1, Origin.AddSeconds(3).ToUnixTimeMilliseconds()),
        ];
        Assert.Equal(expected, entries);
    }

    /// <summary>Advances the clock to a millisecond short of <paramref name="toDue"/> (nothing runs), then to it (it runs).</summary>
    private static async Task AdvanceAndExpectAsync(FakeTimeProvider clock, Host host, TimeSpan toDue, string expected)
    {
        clock.Advance(toDue - TimeSpan.FromMilliseconds(1));
        var barrier = "barrier-" + expected;
        Assert.True(await host.Tasks.DeliverAsync(new HandOverTask { Id = barrier }));
        await host.Probe.WaitForAsync(events => events.Contains("run:" + barrier));
        Assert.DoesNotContain(expected, host.Probe.Events);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await host.Probe.WaitForAsync(events => events.Contains(expected));
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

    /// <summary>A real Resident host standing for one generation's worker, with its own probe and logs.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private bool _disposed;

        private Host(WebApplication app, CapturedLogs logs, BackgroundProbe probe)
        {
            App = app;
            Logs = logs;
            Probe = probe;
            Queue = app.Services.GetRequiredService<TaskQueue>();
            Tasks = app.Services.GetRequiredService<ITaskQueue>();
            Events = app.Services.GetRequiredService<IEventDispatcher>();
        }

        public WebApplication App { get; }

        public CapturedLogs Logs { get; }

        public BackgroundProbe Probe { get; }

        public TaskQueue Queue { get; }

        public ITaskQueue Tasks { get; }

        public IEventDispatcher Events { get; }

        public static async Task<Host> StartAsync(TimeProvider clock, bool withUncoded, int workers = 1, int capacity = 1000)
        {
            var probe = new BackgroundProbe();
            var (app, _, logs) = TestServer.Build(
                new()
                {
                    ["Resident:TaskWorkerNum"] = workers.ToString(CultureInfo.InvariantCulture),
                    ["Resident:TaskQueueCapacity"] = capacity.ToString(CultureInfo.InvariantCulture),
                    ["Resident:TaskQueueFullMode"] = "Refuse",
                    ["Resident:MaxWaitTime"] = "30",
                },
                configure: builder =>
                {
                    builder.Services.AddSingleton(probe);
                    builder.Services.AddSingleton(clock);
                },
                mapWebSockets: false,
                manifests: withUncoded ? [.. ResidentManifests.All, new UncodedManifest()] : null);
            await app.StartAsync();
            return new Host(app, logs, probe);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                Probe.Gate.TrySetResult();
                await App.StopAsync();
                await App.DisposeAsync();
            }
        }
    }
}
