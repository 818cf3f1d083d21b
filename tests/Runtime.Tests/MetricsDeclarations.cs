using Microsoft.Extensions.DependencyInjection;
using Resident.Tests.Infrastructure;

namespace Resident.Tests;

// Declarations of the background instruments' tests (BackgroundMetricsTests). Tasks and events act only when a test
// delivers or fires them; the cron jobs and the process act only in a host whose BackgroundProbe enables them.

/// <summary>Throws when told to; one try.</summary>
[BackgroundTask]
public sealed class MeteredTask : IBackgroundTask
{
    public bool Fail { get; set; }

    public ValueTask HandleAsync(TaskContext context) =>
        Fail ? throw new InvalidOperationException("metered failure") : ValueTask.CompletedTask;
}

/// <summary>Fails its first try and succeeds on its second.</summary>
[BackgroundTask(Tries = 2, Backoff = TaskBackoff.Immediate)]
public sealed class MeteredRetriedTask : IBackgroundTask
{
    public ValueTask HandleAsync(TaskContext context) =>
        context.Attempt == 1 ? throw new InvalidOperationException("first try fails") : ValueTask.CompletedTask;
}

/// <summary>Holds its worker until the probe's gate opens.</summary>
[BackgroundTask]
public sealed class MeteredBlockingTask : IBackgroundTask
{
    public string Label { get; set; } = "";

    public async ValueTask HandleAsync(TaskContext context)
    {
        var probe = context.Services.GetRequiredService<BackgroundProbe>();
        probe.Add("metered-started:" + Label);
        await probe.Gate.Task.WaitAsync(context.CancellationToken);
    }
}

[AsyncEvent]
public sealed class MeteredEvent
{
    public bool FailSecond { get; set; }
}

[EventListener(Order = 1)]
public sealed class MeteredFirstListener : IEventListener<MeteredEvent>
{
    public ValueTask<Propagation> HandleAsync(MeteredEvent @event, TaskContext context) => ValueTask.FromResult(Propagation.Continue);
}

[EventListener(Order = 2)]
public sealed class MeteredSecondListener : IEventListener<MeteredEvent>
{
    public ValueTask<Propagation> HandleAsync(MeteredEvent @event, TaskContext context) =>
        @event.FailSecond ? throw new InvalidOperationException("second listener fails") : ValueTask.FromResult(Propagation.Continue);
}

/// <summary>An event nobody listens to: firing it is accepted and does nothing.</summary>
[AsyncEvent]
public sealed class UnheardEvent
{
    public string Note { get; set; } = "";
}

/// <summary>
/// Every second: its first run waits for the probe's gate (so a test's clock can pass firings over while it runs),
/// its second throws, the later ones return at once.
/// </summary>
[CronJob(1000)]
public sealed class MeteredCronJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override async ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add($"metered-cron:{context.Run}");
        switch (context.Run)
        {
            case 1:
                await Probe.Gate.Task.WaitAsync(context.CancellationToken);
                break;
            case 2:
                throw new InvalidOperationException("metered cron failure");
        }
    }
}

/// <summary>Once per cluster, every second: the tests' shared lock decides where each firing runs.</summary>
[CronJob(1000)]
public sealed class MeteredClusterJob(BackgroundProbe? probe = null) : ProbedJob(probe)
{
    protected override ValueTask RunProbedAsync(CronJobContext context)
    {
        Probe.Add("metered-cluster");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Throws on its first start (once the probe's gate opens), returns on its second, then runs until the stop.</summary>
[CustomProcess("metered-crashy", RestartInterval = 0)]
public sealed class MeteredCrashingProcess(BackgroundProbe? probe = null) : ProbedProcess(probe, "metered-crashy")
{
    protected override async Task RunProbedAsync(CustomProcessContext context)
    {
        Probe.Add($"metered-crashy-start:{context.Restarts}");
        switch (context.Restarts)
        {
            case 0:
                // Waits for the test, which reads the restarts from then on.
                await Probe.Gate.Task.WaitAsync(context.CancellationToken);
                throw new InvalidOperationException("metered process failure");
            case 1:
                return;
            default:
                await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                break;
        }
    }
}
