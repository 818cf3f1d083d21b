using System.Collections.Concurrent;
using Resident;

namespace Showcase;

/// <summary>What the background declarations did, for <c>GET /background</c>.</summary>
public sealed class BackgroundLedger
{
    private const int Kept = 50;
    private readonly ConcurrentQueue<string> _recent = new();
    private long _ticks;

    public long Ticks => Interlocked.Read(ref _ticks);

    public string[] Recent => [.. _recent];

    public void Tick() => Interlocked.Increment(ref _ticks);

    public void Note(string entry)
    {
        _recent.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {entry}");
        while (_recent.Count > Kept && _recent.TryDequeue(out _))
        {
        }
    }
}

/// <summary>A millisecond timer (LaravelS CronJob with interval 1000): counts ticks, starting right after the start.</summary>
[CronJob(1000, Immediate = true)]
public sealed class TickJob(BackgroundLedger ledger) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        ledger.Tick();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A cron expression with seconds: every ten seconds it notes the time in the ledger.</summary>
[CronJob("*/10 * * * * *", Name = "every-ten-seconds")]
public sealed class ClockJob(BackgroundLedger ledger) : ICronJob
{
    public ValueTask RunAsync(CronJobContext context)
    {
        ledger.Note($"cron {context.Name} run {context.Run}, {context.Lag.TotalMilliseconds:0.0} ms late");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A task delivered by <c>POST /task?name=…</c>; its payload (Name) is serialized by generated JSON code. A name
/// starting with "fail" throws on every try, so the retries and the dashboard's recent failures have something to show.
/// </summary>
[BackgroundTask(Tries = 3, Backoff = TaskBackoff.Exponential, BackoffMilliseconds = 200)]
public sealed class WelcomeTask : IBackgroundTask
{
    public string Name { get; set; } = "";

    public ValueTask HandleAsync(TaskContext context)
    {
        if (Name.StartsWith("fail", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Name} cannot be welcomed (try {context.Attempt} of {context.Tries}).");
        }

        context.Services.GetRequiredService<BackgroundLedger>().Note($"task: welcomed {Name} (try {context.Attempt} of {context.Tries})");
        return ValueTask.CompletedTask;
    }

    public ValueTask FinishAsync(TaskContext context)
    {
        context.Services.GetRequiredService<BackgroundLedger>().Note($"task: finished welcoming {Name}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>An async event fired by <c>POST /event?name=…</c>; two listeners run in order on the task workers.</summary>
[AsyncEvent]
public sealed class UserSignedUp
{
    public string Name { get; set; } = "";
}

[EventListener(Order = 1)]
public sealed class GreetListener(BackgroundLedger ledger) : IEventListener<UserSignedUp>
{
    public ValueTask<Propagation> HandleAsync(UserSignedUp @event, TaskContext context)
    {
        ledger.Note($"listener 1: greeted {@event.Name}");
        return ValueTask.FromResult(Propagation.Continue);
    }
}

[EventListener(Order = 2, Tries = 2)]
public sealed class AuditListener(BackgroundLedger ledger) : IEventListener<UserSignedUp>
{
    public ValueTask<Propagation> HandleAsync(UserSignedUp @event, TaskContext context)
    {
        ledger.Note($"listener 2: audited the sign-up of {@event.Name}");
        return ValueTask.FromResult(Propagation.Continue);
    }
}

/// <summary>
/// A custom process that answers every request with the message reversed. <c>AskAsync</c> on the caller's side gets
/// the answer to its own request, however many requests run at once.
/// </summary>
[CustomProcess("reverser", RestartInterval = 1)]
public sealed class ReverserProcess : ICustomProcess
{
    public Task RunAsync(CustomProcessContext context) => context.AnswerAsync((message, _) =>
    {
        var reversed = message.ToCharArray();
        Array.Reverse(reversed);
        return ValueTask.FromResult(new string(reversed));
    });
}

public sealed record DeliveryReport(string Name, bool Accepted);

public sealed record CronJobReport(string Name, string Schedule, bool Enabled, long Runs, long Skipped, long Failures, double LastLagMilliseconds, DateTimeOffset? NextRun);

public sealed record BackgroundReport(long Ticks, CronJobReport[] CronJobs, int Pending, int Running, long Completed, long Failed, string[] Recent);

public sealed record ProcessReport(string Process, string Sent, string Received);
