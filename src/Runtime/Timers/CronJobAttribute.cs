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

    /// <summary>
    /// Once per cluster (<see cref="CronScope.Cluster"/>, the default) or on every node (<see cref="CronScope.Node"/>);
    /// it matters only with <c>AddRedis()</c>. <c>Resident:CronJobs:{Name}:Scope</c> overrides it.
    /// </summary>
    public CronScope Scope { get; set; } = CronScope.Cluster;
}
