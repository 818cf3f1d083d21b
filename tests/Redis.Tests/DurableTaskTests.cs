using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Redis.Tests;

/// <summary>Durable tasks on in-process nodes: delivery, delay, retries and dead letters, the stop, Redis away, the start-up checks.</summary>
public sealed class DurableTaskTests(SharedRedis redis) : IClassFixture<SharedRedis>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static Dictionary<string, string?> DurableSettings(string configuration, string prefix, int nodeId)
    {
        var settings = NodeTests.NodeSettings(configuration, prefix, nodeId);
        settings["Resident:Tasks:ProbeTask:Durable"] = "true";
        settings["Resident:Redis:Tasks:VisibilityTimeout"] = "2";
        return settings;
    }

    private static Task<TestServer> NodeAsync(string configuration, string prefix, int nodeId, Action<Dictionary<string, string?>>? adjust = null)
    {
        var settings = DurableSettings(configuration, prefix, nodeId);
        adjust?.Invoke(settings);
        return TestServer.StartAsync(settings, configure: builder =>
        {
            builder.AddRedis();
            builder.Services.AddSingleton(new DurableProbe(nodeId));
        });
    }

    private static ITaskQueue Queue(TestServer node) => node.App.Services.GetRequiredService<ITaskQueue>();

    private static IDurableTasks Durable(TestServer node) => node.App.Services.GetRequiredService<IDurableTasks>();

    private static DurableProbe Probe(TestServer node) => node.App.Services.GetRequiredService<DurableProbe>();

    private static async Task WaitForEmptyQueueAsync(IDurableTasks durable)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (await durable.BacklogAsync() is var backlog && (backlog.Queued > 0 || backlog.Running > 0 || backlog.Delayed > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The durable queue did not empty: {backlog}.");
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {Patience.TotalSeconds} s for {what}.");
            await Task.Delay(20);
        }
    }

    private static async Task WaitForLogAsync(TestServer node, string text)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!node.Logs.Entries.Any(entry => entry.Message.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No log line said '{text}'.");
            await Task.Delay(50);
        }
    }

    private static async Task<IReadOnlyList<DeadLetter>> WaitForDeadLettersAsync(IDurableTasks durable, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var letters = await durable.DeadLettersAsync();
            if (letters.Count >= count)
            {
                return letters;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} dead letter(s), found {letters.Count}.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Durable_tasks_delivered_on_one_node_run_once_each_with_their_own_idempotency_key_while_in_memory_ones_stay_in_memory()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var first = await NodeAsync(redis.Server.Configuration, prefix, 1);
        await using var second = await NodeAsync(redis.Server.Configuration, prefix, 2);
        const int Count = 40;
        for (var i = 0; i < Count; i++)
        {
            Assert.True(await Queue(first).DeliverAsync(new ProbeTask { Label = "t" + i, Milliseconds = 20 }));
        }

        Assert.True(await Queue(first).DeliverAsync(new MemoryProbeTask { Label = "memory" }));
        await DurableProbe.WaitAsync([Probe(first), Probe(second)], runs => runs.Select(run => run.Label).Distinct().Count() == Count + 1, Patience);
        await WaitForEmptyQueueAsync(Durable(first));

        var runs = Probe(first).Runs.Concat(Probe(second).Runs).ToList();
        var durable = runs.Where(run => run.Label != "memory").ToList();
        Assert.Equal(Count, durable.Count); // Once each: nothing failed, no node died.
        Assert.Equal(Count, durable.Select(run => run.Key).Distinct().Count());
        Assert.All(durable, run => Assert.True(run is { Attempt: 1, Tries: 3 } && Guid.TryParseExact(run.Key, "N", out _), $"{run}"));

        // The in-memory task ran where it was delivered, with no key, and never went to Redis.
        var memory = Assert.Single(runs, run => run.Label == "memory");
        Assert.Equal(1, memory.Node);
        Assert.Null(memory.Key);
        Assert.Equal(Count, Durable(first).Counters.Sent);
        await WaitUntilAsync(() => Durable(first).Counters.Completed + Durable(second).Counters.Completed == Count, "every run to be acknowledged");
    }

    [Fact]
    public async Task A_delayed_durable_task_waits_in_Redis_and_runs_after_its_delay_never_before()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var first = await NodeAsync(redis.Server.Configuration, prefix, 1);
        await using var second = await NodeAsync(redis.Server.Configuration, prefix, 2);
        var delay = TimeSpan.FromMilliseconds(1500);
        var sentAt = DateTime.UtcNow;
        Assert.True(await Queue(second).DeliverAsync(new ProbeTask { Label = "later" }, delay));
        Assert.Equal(1, (await Durable(first).BacklogAsync()).Delayed);

        var runs = await DurableProbe.WaitAsync([Probe(first), Probe(second)], runs => runs.Any(run => run.Label == "later"), Patience);
        var run = Assert.Single(runs);
        Assert.True(run.At - sentAt >= delay, $"It ran {(run.At - sentAt).TotalMilliseconds} ms after the delivery, before its delay.");
        await WaitForEmptyQueueAsync(Durable(first));
    }

    [Fact]
    public async Task A_failing_durable_task_is_retried_with_its_backoff_and_key_then_dead_lettered_listed_requeued_and_deleted()
    {
        var prefix = SharedRedis.NewPrefix();
        await using var first = await NodeAsync(redis.Server.Configuration, prefix, 1);
        await using var second = await NodeAsync(redis.Server.Configuration, prefix, 2);
        Assert.True(await Queue(first).DeliverAsync(new ProbeTask { Label = "doomed", FailTimes = 99 }));
        Assert.True(await Queue(first).DeliverAsync(new ProbeTask { Label = "flaky", FailTimes = 1 }));

        var letters = await WaitForDeadLettersAsync(Durable(first), 1);
        var runs = await DurableProbe.WaitAsync([Probe(first), Probe(second)], runs => runs.Count(run => run.Label == "flaky") == 2, Patience);
        var doomed = runs.Where(run => run.Label == "doomed").OrderBy(run => run.Attempt).ToList();
        Assert.Equal([1, 2, 3], doomed.Select(run => run.Attempt));
        Assert.Single(doomed.Select(run => run.Key).Distinct()); // One key across the retries, whichever node ran them.
        for (var i = 1; i < doomed.Count; i++)
        {
            Assert.True(doomed[i].At - doomed[i - 1].At >= TimeSpan.FromMilliseconds(100), "A retry came before its fixed backoff of 100 ms.");
        }

        var letter = Assert.Single(letters);
        Assert.Equal(typeof(ProbeTask).FullName, letter.TaskName);
        Assert.Equal(doomed[0].Key, letter.IdempotencyKey);
        Assert.Equal(3, letter.Attempts);
        Assert.Contains("System.InvalidOperationException: doomed fails try 3", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("\"label\":\"doomed\"", letter.Payload, StringComparison.Ordinal);
        Assert.True(Math.Abs((letter.FailedAt - doomed[2].At).TotalSeconds) < 5);

        // The flaky one succeeded on its second try, with the same key, and is no dead letter.
        var flaky = runs.Where(run => run.Label == "flaky").OrderBy(run => run.Attempt).ToList();
        Assert.Equal([1, 2], flaky.Select(run => run.Attempt));
        Assert.Equal(flaky[0].Key, flaky[1].Key);

        // A node counts a retry or a dead letter once Redis has acknowledged it, which can come after the other node
        // already ran the retry or the test already listed the dead letter: wait for the counts, then check them exactly.
        long Retried() => Durable(first).Counters.Retried + Durable(second).Counters.Retried;
        long DeadLettered() => Durable(first).Counters.DeadLettered + Durable(second).Counters.DeadLettered;
        long Failed() => Queue(first).Failed + Queue(second).Failed;
        await WaitUntilAsync(() => Retried() >= 3 && DeadLettered() >= 1 && Failed() >= 1, "the nodes' counts of the settled deliveries");
        Assert.Equal(3, Retried()); // doomed twice, flaky once.
        Assert.Equal(1, DeadLettered());
        Assert.Equal(1, Failed());

        // Requeued: fresh tries, the same key; it fails again into a new dead letter, which is deleted.
        Assert.True(await Durable(second).RequeueAsync(letter.Id));
        Assert.Empty(await Durable(first).DeadLettersAsync());
        var again = Assert.Single(await WaitForDeadLettersAsync(Durable(first), 1));
        Assert.NotEqual(letter.Id, again.Id);
        Assert.Equal(letter.IdempotencyKey, again.IdempotencyKey);
        Assert.Equal(6, Probe(first).Runs.Concat(Probe(second).Runs).Count(run => run.Label == "doomed" && run.Key == letter.IdempotencyKey));
        Assert.True(await Durable(first).DeleteAsync(again.Id));
        Assert.False(await Durable(first).DeleteAsync(again.Id));
        Assert.False(await Durable(first).RequeueAsync(again.Id));
        Assert.Empty(await Durable(first).DeadLettersAsync());
        await WaitForEmptyQueueAsync(Durable(first));
    }

    [Fact]
    public async Task A_node_stopping_finishes_what_it_read_and_leaves_the_rest_to_the_others_nothing_lost_nothing_twice()
    {
        var prefix = SharedRedis.NewPrefix();
        var leaving = await NodeAsync(redis.Server.Configuration, prefix, 1);
        await using var staying = await NodeAsync(redis.Server.Configuration, prefix, 2);
        const int Count = 30;
        for (var i = 0; i < Count; i++)
        {
            Assert.True(await Queue(staying).DeliverAsync(new ProbeTask { Label = "s" + i, Milliseconds = 100 }));
        }

        await DurableProbe.WaitAsync([Probe(leaving)], runs => runs.Count >= 1, Patience);
        var leavingDurable = Durable(leaving);
        var leavingProbe = Probe(leaving);
        await leaving.DisposeAsync(); // A graceful stop: stops reading, runs what it read, acknowledges it.
        Assert.Equal(0, leavingDurable.Counters.Abandoned);
        Assert.Equal(leavingProbe.Runs.Count, leavingDurable.Counters.Completed);

        await DurableProbe.WaitAsync([leavingProbe, Probe(staying)], runs => runs.Select(run => run.Label).Distinct().Count() == Count, Patience);
        await WaitForEmptyQueueAsync(Durable(staying));
        var runs = leavingProbe.Runs.Concat(Probe(staying).Runs).ToList();
        Assert.Equal(Count, runs.Count);
        Assert.Contains(leaving.Logs.Entries, entry => entry.Message.Contains("Durable tasks: stopped reading; 0 unfinished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redis_killed_and_restarted_durable_deliveries_fail_clearly_while_it_is_away_and_the_node_resumes_by_itself()
    {
        await using var server = await RedisServer.StartAsync();
        await using var node = await NodeAsync(server.Configuration, SharedRedis.NewPrefix(), 1, settings =>
        {
            settings["Resident:Redis:Tasks:DeliverTimeout"] = "300";
            settings["Resident:Redis:ConnectTimeout"] = "1";
        });
        Assert.True(await Queue(node).DeliverAsync(new ProbeTask { Label = "before" }));
        await DurableProbe.WaitAsync([Probe(node)], runs => runs.Any(run => run.Label == "before"), Patience);

        await server.KillAsync();
        var clock = Stopwatch.StartNew();
        Assert.False(await Queue(node).DeliverAsync(new ProbeTask { Label = "while-away" }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The refusal took {clock.Elapsed}.");
        Assert.False(await Queue(node).DeliverAsync(new ProbeTask { Label = "while-away" }));
        Assert.Equal(2, Durable(node).Counters.Refused);
        Assert.Single(node.Logs.Entries, entry => entry.Message.Contains("was not accepted (DeliverAsync returned false)", StringComparison.Ordinal));
        await WaitForLogAsync(node, "this node stopped reading from Redis");
        Assert.Equal("Hello, World!", await node.Client.GetStringAsync("/plaintext")); // Nothing crashed.

        await server.StartAgainAsync();
        var deadline = DateTime.UtcNow + Patience;
        while (!await Queue(node).DeliverAsync(new ProbeTask { Label = "after" }))
        {
            Assert.True(DateTime.UtcNow < deadline, "Durable deliveries were still refused a minute after Redis came back.");
            await Task.Delay(100);
        }

        await DurableProbe.WaitAsync([Probe(node)], runs => runs.Any(run => run.Label == "after"), Patience);
        Assert.DoesNotContain(Probe(node).Runs, run => run.Label == "while-away");
        Assert.Contains(node.Logs.Entries, entry => entry.Message.Contains("were refused while Redis was away", StringComparison.Ordinal));
        await WaitForLogAsync(node, "this node reads from Redis again");
    }

    [Fact]
    public async Task A_durable_task_without_AddRedis_fails_the_start_naming_the_type_and_the_key()
    {
        var failure = await TestServer.StartFailureAsync(new() { ["Resident:Tasks:ProbeTask:Durable"] = "true" });
        Assert.Contains(
            "The task Resident.Redis.Tests.ProbeTask is durable (Resident:Tasks:ProbeTask:Durable = true) but nothing carries durable tasks: call AddRedis()",
            failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_durable_task_settings_fail_the_start_naming_each_key()
    {
        var settings = DurableSettings(redis.Server.Configuration, SharedRedis.NewPrefix(), 1);
        settings["Resident:Tasks:NoSuchTask:Durable"] = "true";
        settings["Resident:Tasks:MemoryProbeTask:Durable"] = "maybe";
        settings["Resident:Redis:Tasks:VisibilityTimeout"] = "0";
        settings["Resident:Redis:Tasks:DeliverTimeout"] = "soon";
        var failure = await TestServer.StartFailureAsync(settings, configure: builder => builder.AddRedis());
        Assert.Contains("Resident:Tasks:NoSuchTask names no [BackgroundTask]; the tasks are: MemoryProbeTask, ProbeTask", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Resident:Tasks:MemoryProbeTask:Durable must be true or false, but is 'maybe'.", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Resident:Redis:Tasks:VisibilityTimeout must be", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Resident:Redis:Tasks:DeliverTimeout must be", failure.Message, StringComparison.Ordinal);
    }
}
