using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Resident.Tasks;
using Resident.Tests.Infrastructure;
using Xunit;

namespace Resident.Tests;

/// <summary>Records its idempotency key and attempt; fails its first <see cref="FailTimes"/> tries. In memory unless configured durable.</summary>
[BackgroundTask(Tries = 2, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 120)]
public sealed class KeyedTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public int FailTimes { get; set; }

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetService<BackgroundProbe>()?.Add($"{Label}:{context.IdempotencyKey ?? "no-key"}:{context.Attempt}/{context.Tries}");
        return context.Attempt <= FailTimes ? throw new InvalidOperationException($"{Label} fails try {context.Attempt}") : ValueTask.CompletedTask;
    }
}

/// <summary>
/// The task queue's durable seam with a transport of the test's own: durable types (by attribute or
/// <c>Resident:Tasks:{name}:Durable</c>) go to the transport; what a transport hands back runs on the task workers
/// with its key, tries and backoff, and is settled through its receipt.
/// </summary>
public sealed class DurableTaskSeamTests
{
    private static async Task<(TestServer Server, RecordingTransport Transport, BackgroundProbe Probe)> StartAsync(Dictionary<string, string?> settings)
    {
        var transport = new RecordingTransport();
        var probe = new BackgroundProbe();
        var server = await TestServer.StartAsync(settings, configure: builder =>
        {
            builder.Services.AddSingleton(probe);
            builder.Services.AddSingleton<IDurableTaskTransport>(transport);
        }, mapWebSockets: false);
        return (server, transport, probe);
    }

    [Fact]
    public async Task A_task_made_durable_by_configuration_goes_to_the_transport_with_its_codec_payload_and_a_fresh_key()
    {
        var (server, transport, probe) = await StartAsync(new() { ["Resident:Tasks:KeyedTask:Durable"] = "true" });
        await using var _ = server;

        Assert.True(await server.Server.Tasks.DeliverAsync(new KeyedTask { Label = "a" }, TimeSpan.FromMilliseconds(700), tries: 5));
        Assert.True(await server.Server.Tasks.DeliverAsync(new KeyedTask { Label = "b" }));
        Assert.True(await server.Server.Tasks.DeliverAsync(new RecordTask { Label = "memory" })); // Not durable: in memory.
        await probe.WaitForAsync(events => events.Contains("task:memory"));

        var sent = transport.Sent.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.Equal(typeof(KeyedTask).FullName, sent[0].Message.TaskName);
        Assert.Equal("""{"label":"a","failTimes":0}""", System.Text.Encoding.UTF8.GetString(sent[0].Message.Payload));
        Assert.Equal((5, 1, TimeSpan.FromMilliseconds(700)), (sent[0].Message.Tries, sent[0].Message.Attempt, sent[0].Delay));
        Assert.Equal((0, TimeSpan.Zero), (sent[1].Message.Tries, sent[1].Delay));
        Assert.NotEqual(sent[0].Message.IdempotencyKey, sent[1].Message.IdempotencyKey);
        Assert.DoesNotContain(probe.Events, entry => entry.StartsWith("a:", StringComparison.Ordinal)); // Not run here: the transport has it.
        Assert.Equal(0, server.Server.Tasks.Pending);
    }

    [Fact]
    public async Task A_delivery_handed_back_runs_with_its_key_and_is_acknowledged_retried_after_its_backoff_or_dead_lettered()
    {
        var (server, _, probe) = await StartAsync(new() { ["Resident:Tasks:Resident.Tests.KeyedTask:Durable"] = "true" });
        await using var _ = server;
        var queue = server.App.Services.GetRequiredService<TaskQueue>();

        var done = new RecordingReceipt();
        Assert.Null(await queue.AcceptDurableAsync(new DurableMessage(typeof(KeyedTask).FullName!, """{"label":"ok"}"""u8.ToArray(), 0, 1, "key-1"), done, default));
        await done.Settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("complete", done.Outcome);
        Assert.Contains("ok:key-1:1/2", probe.Events);

        var failing = new RecordingReceipt();
        Assert.Null(await queue.AcceptDurableAsync(new DurableMessage(typeof(KeyedTask).FullName!, """{"label":"bad","failTimes":9}"""u8.ToArray(), 0, 1, "key-2"), failing, default));
        await failing.Settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("retry 2 after 120 ms", failing.Outcome); // The transport brings it back as attempt 2 after the fixed backoff.

        var last = new RecordingReceipt();
        Assert.Null(await queue.AcceptDurableAsync(new DurableMessage(typeof(KeyedTask).FullName!, """{"label":"bad","failTimes":9}"""u8.ToArray(), 0, 2, "key-2"), last, default));
        await last.Settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("dead 2: System.InvalidOperationException: bad fails try 2", last.Outcome);
        Assert.Equal(["bad:key-2:1/2", "bad:key-2:2/2"], probe.Events.Where(entry => entry.StartsWith("bad:", StringComparison.Ordinal)));
        Assert.Equal(1, server.Server.Tasks.Failed);

        // What this version cannot run is said, not run.
        Assert.Equal("this version declares no [BackgroundTask] App.Gone",
            await queue.AcceptDurableAsync(new DurableMessage("App.Gone", "{}"u8.ToArray(), 0, 1, "k"), new RecordingReceipt(), default));
        Assert.StartsWith("the payload codec of Resident.Tests.KeyedTask cannot read its payload",
            await queue.AcceptDurableAsync(new DurableMessage(typeof(KeyedTask).FullName!, "[1]"u8.ToArray(), 0, 1, "k"), new RecordingReceipt(), default));
    }

    [Fact]
    public async Task Durable_task_settings_are_checked_at_start_naming_the_key()
    {
        var unknown = await TestServer.StartFailureAsync(new() { ["Resident:Tasks:Nope:Durable"] = "true" });
        Assert.Contains("Resident:Tasks:Nope names no [BackgroundTask]; the tasks are: ", unknown.Message, StringComparison.Ordinal);

        var noTransport = await TestServer.StartFailureAsync(new() { ["Resident:Tasks:KeyedTask:Durable"] = "true" });
        Assert.Contains("The task Resident.Tests.KeyedTask is durable (Resident:Tasks:KeyedTask:Durable = true) but nothing carries durable tasks: call AddRedis()",
            noTransport.Message, StringComparison.Ordinal);

        // False keeps it in memory, whatever the attribute says: no transport needed.
        var probe = new BackgroundProbe();
        await using var server = await TestServer.StartAsync(new() { ["Resident:Tasks:KeyedTask:Durable"] = "false" },
            configure: builder => builder.Services.AddSingleton(probe), mapWebSockets: false);
        Assert.True(await server.Server.Tasks.DeliverAsync(new KeyedTask { Label = "m" }));
        await probe.WaitForAsync(events => events.Contains("m:no-key:1/2"));
    }

    private sealed class RecordingTransport : IDurableTaskTransport
    {
        public ConcurrentQueue<(DurableMessage Message, TimeSpan Delay)> Sent { get; } = new();

        public ValueTask<bool> SendAsync(DurableMessage message, TimeSpan delay, CancellationToken cancellationToken)
        {
            Sent.Enqueue((message, delay));
            return ValueTask.FromResult(true);
        }
    }

    private sealed class RecordingReceipt : IDurableReceipt
    {
        public TaskCompletionSource Settled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Outcome { get; private set; } = "";

        public Task CompleteAsync() => Settle("complete");

        public Task RetryAsync(int nextAttempt, TimeSpan delay) => Settle($"retry {nextAttempt} after {delay.TotalMilliseconds} ms");

        public Task DeadLetterAsync(int attempt, string reason) => Settle($"dead {attempt}: {reason}");

        public void Abandon() => Settle("abandon");

        private Task Settle(string outcome)
        {
            Outcome = outcome;
            Settled.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
