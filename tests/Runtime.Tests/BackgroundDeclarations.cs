using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// Background declarations of the test assembly. Each acts only in a host whose BackgroundProbe enables it by name.

[BackgroundTask]
public sealed class RecordTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetService<BackgroundProbe>()?.Add("task:" + Label);
        return ValueTask.CompletedTask;
    }
}

[BackgroundTask]
public sealed class FinishingTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add("handle:" + Label);
        return ValueTask.CompletedTask;
    }

    public ValueTask FinishAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add("finish:" + Label);
        return ValueTask.CompletedTask;
    }
}

[BackgroundTask(Tries = 3, Backoff = TaskBackoff.Fixed, BackoffMilliseconds = 150)]
public sealed class FlakyTask : IBackgroundTask
{
    public int FailTimes { get; set; }

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add($"try:{context.Attempt}/{context.Tries}");
        if (context.Attempt <= FailTimes)
        {
            throw new InvalidOperationException($"flaky failure {context.Attempt}");
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails its first tries, then succeeds; its finish callback records the attempt and tries it is told.</summary>
[BackgroundTask(Tries = 5, Backoff = TaskBackoff.Immediate)]
public sealed class RetriedFinishingTask : IBackgroundTask
{
    public int FailTimes { get; set; }

    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add($"handle:{context.Attempt}/{context.Tries}");
        if (context.Attempt <= FailTimes)
        {
            throw new InvalidOperationException($"fails try {context.Attempt}");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FinishAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add($"finish:{context.Attempt}/{context.Tries}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails until its last try, with a capped exponential backoff.</summary>
[BackgroundTask(Tries = 4, Backoff = TaskBackoff.Exponential, BackoffMilliseconds = 100, MaxBackoffMilliseconds = 300)]
public sealed class BackingOffTask : IBackgroundTask
{
    public ValueTask HandleAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundProbe>().Add($"backoff-try:{context.Attempt}");
        if (context.Attempt < context.Tries)
        {
            throw new InvalidOperationException($"fails try {context.Attempt}");
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>Holds its worker until the probe's gate opens (or the server gives up on it).</summary>
[BackgroundTask]
public sealed class BlockingTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public async ValueTask HandleAsync(TaskContext context)
    {
        var probe = context.Services.GetRequiredService<BackgroundProbe>();
        probe.Add("started:" + Label);
        try
        {
            await probe.Gate.Task.WaitAsync(context.CancellationToken);
            probe.Add("done:" + Label);
        }
        catch (OperationCanceledException)
        {
            probe.Add("cancelled:" + Label);
        }
    }
}

/// <summary>Delivers another task from inside a task.</summary>
[BackgroundTask]
public sealed class ChainTask : IBackgroundTask
{
    public string Next { get; set; } = "";

    public async ValueTask HandleAsync(TaskContext context) =>
        await context.Services.GetRequiredService<ITaskQueue>().DeliverAsync(new RecordTask { Label = Next });
}

[AsyncEvent]
public sealed class OrderPlaced
{
    public string OrderId { get; set; } = "";

    public bool StopAfterSecond { get; set; }

    public bool FailSecondOnce { get; set; }
}

[EventListener(Order = 1)]
public sealed class FirstListener(BackgroundProbe probe) : IEventListener<OrderPlaced>
{
    public ValueTask<Propagation> HandleAsync(OrderPlaced @event, TaskContext context)
    {
        probe.Add($"first:{@event.OrderId}:{RuntimeHelpers(this)}");
        return ValueTask.FromResult(Propagation.Continue);
    }

    private static int RuntimeHelpers(object instance) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(instance);
}

[EventListener(Order = 2, Tries = 2, Backoff = TaskBackoff.Immediate)]
public sealed class SecondListener(BackgroundProbe probe) : IEventListener<OrderPlaced>
{
    public ValueTask<Propagation> HandleAsync(OrderPlaced @event, TaskContext context)
    {
        probe.Add($"second:{@event.OrderId}:try{context.Attempt}");
        if (@event.FailSecondOnce && context.Attempt == 1)
        {
            throw new InvalidOperationException("second listener fails once");
        }

        return ValueTask.FromResult(@event.StopAfterSecond ? Propagation.Stop : Propagation.Continue);
    }
}

[EventListener(Order = 3)]
public sealed class ThirdListener(BackgroundProbe probe) : IEventListener<OrderPlaced>
{
    public ValueTask<Propagation> HandleAsync(OrderPlaced @event, TaskContext context)
    {
        probe.Add($"third:{@event.OrderId}");
        return ValueTask.FromResult(Propagation.Continue);
    }
}

/// <summary>Not marked [AsyncEvent]: firing it is a programming error.</summary>
public sealed class UndeclaredEvent;

/// <summary>Not marked [BackgroundTask]: delivering it is a programming error.</summary>
public sealed class UndeclaredTask : IBackgroundTask
{
    public ValueTask HandleAsync(TaskContext context) => ValueTask.CompletedTask;
}

/// <summary>Base for the test cron jobs: a job stops itself at once in hosts that do not enable it.</summary>
public abstract class ProbedJob(BackgroundProbe? probe) : ICronJob
{
    protected BackgroundProbe Probe => probe!;

    public async ValueTask RunAsync(CronJobContext context)
    {
        if (probe is null || !probe.Enables(context.Name))
        {
            context.Stop();
            return;
        }

        await RunProbedAsync(context);
    }

    protected abstract ValueTask RunProbedAsync(CronJobContext context);
}

[CronJob(3_600_000, Immediate = true)]
public sealed class ImmediateJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add("immediate");
        return ValueTask.CompletedTask;
    }
}

[CronJob(40, Immediate = true)]
public sealed class StoppingJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add("run");
        if (context.Run == 3)
        {
            context.Stop();
        }

        return ValueTask.CompletedTask;
    }
}

[CronJob(50, Immediate = true)]
public sealed class SlowJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override async ValueTask RunProbedAsync(CronJobContext context)
    {
        var now = Interlocked.Increment(ref Probe.Concurrent);
        InterlockedMax(ref Probe.MaxConcurrent, now);
        Probe.Add("slow");
        await Task.Delay(170);
        Interlocked.Decrement(ref Probe.Concurrent);
    }

    internal static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

[CronJob(50, Immediate = true, AllowOverlap = true)]
public sealed class OverlappingJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override async ValueTask RunProbedAsync(CronJobContext context)
    {
        var now = Interlocked.Increment(ref Probe.Concurrent);
        SlowJob.InterlockedMax(ref Probe.MaxConcurrent, now);
        Probe.Add("overlap");
        await Task.Delay(170);
        Interlocked.Decrement(ref Probe.Concurrent);
    }
}

/// <summary>One long run that waits for the probe's gate or its cancellation token.</summary>
[CronJob(3_600_000, Immediate = true)]
public sealed class GatedJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override async ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add("gated-start");
        try
        {
            await Probe.Gate.Task.WaitAsync(context.CancellationToken);
            Probe.Add("gated-done");
        }
        catch (OperationCanceledException)
        {
            Probe.Add("gated-cancelled");
        }
    }
}

[CronJob(30, Name = "thrower")]
public sealed class ThrowingJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add("throw");
        throw new InvalidOperationException("cron job failure " + context.Run);
    }
}

[CronJob(20)]
public sealed class DeliveringJob(ITaskQueue tasks, BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override async ValueTask RunProbedAsync(CronJobContext context)
    {
        await tasks.DeliverAsync(new RecordTask { Label = "from-timer" });
        context.Stop();
    }
}

[CronJob(25)]
public sealed class LagJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Ticks.Enqueue((context.PlannedAt, context.Lag));
        Probe.Add("lag");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Base for the test processes: in hosts that do not enable them they just wait for the stop.</summary>
public abstract class ProbedProcess(BackgroundProbe? probe, string name) : ICustomProcess
{
    protected BackgroundProbe Probe => probe!;

    protected BackgroundProbe? OptionalProbe => probe;

    public async Task RunAsync(CustomProcessContext context)
    {
        if (probe is null || !probe.Enables(name))
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        await RunProbedAsync(context);
    }

    protected abstract Task RunProbedAsync(CustomProcessContext context);
}

[CustomProcess("echo", RestartInterval = 0)]
public sealed class EchoProcess(BackgroundProbe? probe = null) : ProbedProcess(probe, "echo"), ICustomProcess
{
    protected override async Task RunProbedAsync(CustomProcessContext context)
    {
        Probe.Add($"echo-start:{context.Restarts}");
        while (true)
        {
            var message = await context.ReadAsync(context.CancellationToken);
            await context.WriteAsync("echo:" + message, context.CancellationToken);
        }
    }

    public ValueTask OnReloadAsync(CustomProcessContext context)
    {
        if (OptionalProbe?.Enables("echo") == true)
        {
            OptionalProbe.Add("echo-reload");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnStopAsync(CustomProcessContext context)
    {
        if (OptionalProbe?.Enables("echo") == true)
        {
            OptionalProbe.Add("echo-stop");
        }

        return ValueTask.CompletedTask;
    }
}

[CustomProcess("crashy", RestartInterval = 0)]
public sealed class CrashingProcess(ITaskQueue tasks, BackgroundProbe? probe = null) : ProbedProcess(probe, "crashy")
{
    protected override async Task RunProbedAsync(CustomProcessContext context)
    {
        Probe.Add($"crashy-start:{context.Restarts}");
        switch (context.Restarts)
        {
            case 0:
                throw new InvalidOperationException("process failure");
            case 1:
                return; // Returning while the server runs counts as a crash too.
            default:
                await tasks.DeliverAsync(new RecordTask { Label = "from-process" });
                await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                break;
        }
    }
}

/// <summary>Fails at once every time; restarted after its 10-minute RestartInterval, on the host's clock (only a fake clock gets there in a test).</summary>
[CustomProcess("slow-restart", RestartInterval = 600)]
public sealed class SlowRestartProcess(BackgroundProbe? probe = null) : ProbedProcess(probe, "slow-restart")
{
    protected override Task RunProbedAsync(CustomProcessContext context)
    {
        Probe.Add($"slow-restart-start:{context.Restarts}");
        throw new InvalidOperationException("slow-restart failure");
    }
}

[CustomProcess("pair", Num = 2)]
public sealed class PairProcess(BackgroundProbe? probe = null) : ProbedProcess(probe, "pair")
{
    protected override async Task RunProbedAsync(CustomProcessContext context)
    {
        Probe.Add($"pair:{context.Index}");
        await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

internal static class Elapsed
{
    public static TimeSpan Between(long start, long end) => Stopwatch.GetElapsedTime(start, end);
}
