namespace Resident;

/// <summary>
/// Declares a timer job (LaravelS <c>CronJob</c>): <c>[CronJob(1000)]</c> runs every second,
/// <c>[CronJob("*/5 * * * * *")]</c> on a cron schedule (five fields, or six with seconds first, parsed by Cronos).
/// The class implements <see cref="ICronJob"/>; one instance, built by the generated factory, serves every run.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CronJobAttribute : Attribute
{
    /// <summary>Runs the job every <paramref name="intervalMilliseconds"/> milliseconds (at least 1).</summary>
    public CronJobAttribute(int intervalMilliseconds) => IntervalMilliseconds = intervalMilliseconds;

    /// <summary>Runs the job at the occurrences of a cron <paramref name="expression"/>.</summary>
    public CronJobAttribute(string expression) => Expression = expression;

    /// <summary>The interval in milliseconds, or 0 for a cron job.</summary>
    public int IntervalMilliseconds { get; }

    /// <summary>The cron expression, or null for an interval job.</summary>
    public string? Expression { get; }

    /// <summary>The name configuration and logs use (<c>Resident:CronJobs:{Name}</c>). Default: the class name.</summary>
    public string? Name { get; set; }

    /// <summary>Also run once right after the server starts. Default false.</summary>
    public bool Immediate { get; set; }

    /// <summary>The time zone a cron expression is read in (an IANA or Windows id). Default UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>
    /// Let a run start while the previous one is still going. Default false: a run that outlasts the interval
    /// skips the ticks it covered.
    /// </summary>
    public bool AllowOverlap { get; set; }
}

/// <summary>A timer job declared with <see cref="CronJobAttribute">[CronJob]</see>.</summary>
public interface ICronJob
{
    /// <summary>One run. Exceptions are logged and the job keeps its schedule.</summary>
    ValueTask RunAsync(CronJobContext context);
}

/// <summary>What one run of a cron job knows, and how it stops the job.</summary>
public sealed class CronJobContext
{
    private readonly CronJobState _state;

    internal CronJobContext(CronJobState state, DateTimeOffset plannedAt, TimeSpan lag, long run, CancellationToken stopping)
    {
        _state = state;
        PlannedAt = plannedAt;
        Lag = lag;
        Run = run;
        CancellationToken = stopping;
    }

    /// <summary>The job's name.</summary>
    public string Name => _state.Name;

    /// <summary>When this run was planned to start.</summary>
    public DateTimeOffset PlannedAt { get; }

    /// <summary>How late it started.</summary>
    public TimeSpan Lag { get; }

    /// <summary>The run's number, starting at 1.</summary>
    public long Run { get; }

    /// <summary>Signalled when the server stops and <c>MaxWaitTime</c> has run out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Stops the job after this run (LaravelS <c>$this-&gt;stop()</c>); it runs again after a restart or reload.</summary>
    public void Stop() => _state.RequestStop();
}

/// <summary>The schedule and counters of one cron job; the metrics work reads it.</summary>
public interface ICronJobInfo
{
    /// <summary>The job's name.</summary>
    string Name { get; }

    /// <summary>"every 1000 ms" or the cron expression with its time zone.</summary>
    string Schedule { get; }

    /// <summary>Whether configuration left it enabled.</summary>
    bool Enabled { get; }

    /// <summary>Whether it stopped itself with <see cref="CronJobContext.Stop"/>.</summary>
    bool Stopped { get; }

    /// <summary>Runs started.</summary>
    long Runs { get; }

    /// <summary>Runs that threw.</summary>
    long Failures { get; }

    /// <summary>Ticks skipped because the previous run was still going.</summary>
    long Skipped { get; }

    /// <summary>How late the last run started.</summary>
    TimeSpan LastLag { get; }

    /// <summary>When the next run is planned, or null when there is none.</summary>
    DateTimeOffset? NextRun { get; }
}
