using System.Collections.Concurrent;
using System.Diagnostics;
using Resident;

namespace BackgroundWorkBench;

internal static class BenchState
{
    private static int _remaining;

    public static TaskCompletionSource Done { get; private set; } = new();

    public static volatile bool TimerActive;

    public static ConcurrentQueue<TimeSpan> Lags { get; } = new();

    public static void Reset(int count)
    {
        Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, count);
    }

    public static void CountOne()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Done.TrySetResult();
        }
    }
}

/// <summary>The throughput task: the same trivial work on both sides.</summary>
[BackgroundTask]
public sealed class CountTask : IBackgroundTask
{
    public ValueTask HandleAsync(TaskContext context)
    {
        BenchState.CountOne();
        return ValueTask.CompletedTask;
    }

    public ValueTask RunRawAsync()
    {
        BenchState.CountOne();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The latency task: one at a time, it reports how long after delivery it started.</summary>
[BackgroundTask]
public sealed class PingTask : IBackgroundTask
{
    public long DeliveredAt { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public TaskCompletionSource<TimeSpan> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask HandleAsync(TaskContext context)
    {
        Start();
        return ValueTask.CompletedTask;
    }

    public void Start() => Started.TrySetResult(Stopwatch.GetElapsedTime(DeliveredAt));
}

/// <summary>The 10 ms timer whose start lag is measured (it records only while the timer phase runs).</summary>
[CronJob(10)]
public sealed class TenMillisecondJob : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        if (BenchState.TimerActive)
        {
            BenchState.Lags.Enqueue(context.Lag);
        }

        return ValueTask.CompletedTask;
    }
}
