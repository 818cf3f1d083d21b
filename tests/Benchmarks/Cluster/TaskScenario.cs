using System.Diagnostics;
using Resident;

namespace ClusterBench;

/// <summary>
/// Durable (Redis Streams) vs in-memory task throughput, one node, same run: N no-op tasks delivered and completed,
/// in tasks/s. In memory: deliveries go to the channel and a worker runs them. Durable: each delivery is one script
/// call (XADD + PUBLISH), the consumer reads in batches (XREADGROUP), each run is acknowledged (XACK + XDEL).
/// </summary>
internal static class TaskScenario
{
    private const int Count = 20_000;
    private const int Concurrency = 256;

    public static async Task RunAsync(string redis)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resident:ListenPort"] = "0",
            ["Resident:NodeId"] = "1",
            ["Resident:Redis:Configuration"] = redis,
            ["Resident:Redis:KeyPrefix"] = "bench-tasks-" + Guid.NewGuid().ToString("N")[..8],
            ["Resident:Tasks:DurableNoOpTask:Durable"] = "true",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddResident().AddRedis();
        CronScenario.LeaveOut(builder);
        await using var app = builder.Build();
        await app.StartAsync();
        var queue = app.Services.GetRequiredService<ITaskQueue>();
        var durable = app.Services.GetRequiredService<IDurableTasks>();

        // Warm-up: JIT, the scripts cached by Redis, the consumer group created.
        await MemoryAsync(queue, 2_000);
        await DurableAsync(queue, durable, 2_000);

        var memory = await MemoryAsync(queue, Count);
        var stored = await DurableAsync(queue, durable, Count);
        Console.WriteLine($"tasks: in-memory {memory:N0} tasks/s, durable {stored:N0} tasks/s ({Count:N0} no-op tasks each, one node, {Environment.ProcessorCount} task workers)");
        Console.WriteLine($"tasks: durable / in-memory = {stored / memory:P2} (in-memory is {memory / stored:N1}x faster)");
        await app.StopAsync();
    }

    private static async Task<double> MemoryAsync(ITaskQueue queue, int count)
    {
        var before = queue.Completed;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            if (!await queue.DeliverAsync(new MemoryNoOpTask { Number = i }))
            {
                throw new InvalidOperationException("An in-memory delivery was refused.");
            }
        }

        await UntilAsync(() => queue.Completed - before >= count);
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> DurableAsync(ITaskQueue queue, IDurableTasks durable, int count)
    {
        var before = durable.Counters.Completed;
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int number;
            while ((number = Interlocked.Increment(ref next)) < count)
            {
                if (!await queue.DeliverAsync(new DurableNoOpTask { Number = number }))
                {
                    throw new InvalidOperationException("A durable delivery was refused.");
                }
            }
        }));
        await UntilAsync(() => durable.Counters.Completed - before >= count);
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task UntilAsync(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The tasks did not complete within 5 minutes.");
            }

            await Task.Delay(1);
        }
    }
}

/// <summary>Does nothing (in memory).</summary>
[BackgroundTask]
public sealed class MemoryNoOpTask : IBackgroundTask
{
    public int Number { get; set; }

    public ValueTask HandleAsync(TaskContext context) => ValueTask.CompletedTask;
}

/// <summary>Does nothing (made durable by the scenario's configuration, so the other scenarios need no Redis for it).</summary>
[BackgroundTask]
public sealed class DurableNoOpTask : IBackgroundTask
{
    public int Number { get; set; }

    public ValueTask HandleAsync(TaskContext context) => ValueTask.CompletedTask;
}
