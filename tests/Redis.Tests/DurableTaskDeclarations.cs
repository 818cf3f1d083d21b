using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace Resident.Redis.Tests;

// The test assembly's task types. In memory by their attributes (other tests' nodes have no durable task); the durable
// task tests make them durable with Resident:Tasks:{name}:Durable = true.

/// <summary>Records each run (node, idempotency key, attempt) in its node's <see cref="DurableProbe"/>; fails its first <see cref="FailTimes"/> tries.</summary>
[BackgroundTask(Tries = 3, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 100)]
public sealed class ProbeTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public int Milliseconds { get; set; }

    public int FailTimes { get; set; }

    public async ValueTask HandleAsync(TaskContext context)
    {
        if (Milliseconds > 0)
        {
            await Task.Delay(Milliseconds, context.CancellationToken);
        }

        var probe = context.Services.GetService<DurableProbe>();
        probe?.Add(new DurableRunRecord(probe.Node, Label, context.IdempotencyKey, context.Attempt, context.Tries, DateTime.UtcNow));
        if (context.Attempt <= FailTimes)
        {
            throw new InvalidOperationException($"{Label} fails try {context.Attempt}");
        }
    }
}

/// <summary>An in-memory task beside the durable ones: it must keep running in memory.</summary>
[BackgroundTask]
public sealed class MemoryProbeTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        var probe = context.Services.GetService<DurableProbe>();
        probe?.Add(new DurableRunRecord(probe.Node, Label, context.IdempotencyKey, context.Attempt, context.Tries, DateTime.UtcNow));
        return ValueTask.CompletedTask;
    }
}

/// <summary>One run of a probe task.</summary>
public sealed record DurableRunRecord(int Node, string Label, string? Key, int Attempt, int Tries, DateTime At);

/// <summary>A node's record of the probe tasks it ran; the tests wait on it with a bound.</summary>
public sealed class DurableProbe(int node)
{
    private readonly ConcurrentQueue<DurableRunRecord> _runs = new();
    private readonly SemaphoreSlim _changed = new(0);

    public int Node => node;

    public IReadOnlyList<DurableRunRecord> Runs => [.. _runs];

    public void Add(DurableRunRecord run)
    {
        _runs.Enqueue(run);
        _changed.Release();
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the runs of all <paramref name="probes"/>, or fails after <paramref name="timeout"/>.</summary>
    public static async Task<IReadOnlyList<DurableRunRecord>> WaitAsync(IEnumerable<DurableProbe> probes, Func<IReadOnlyList<DurableRunRecord>, bool> condition, TimeSpan timeout)
    {
        var all = probes.ToArray();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var runs = all.SelectMany(probe => probe.Runs).ToList();
            if (condition(runs))
            {
                return runs;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The probe tasks did not get there within {timeout.TotalSeconds} s; runs: {string.Join(", ", runs.Select(run => $"{run.Node}:{run.Label}#{run.Attempt}"))}");
            }

            // Any node's new run wakes one waiter; polling each probe in turn keeps it simple and bounded.
            await Task.WhenAny(all.Select(probe => probe._changed.WaitAsync(TimeSpan.FromMilliseconds(50))));
        }
    }
}
