namespace Resident;

/// <summary>Configuration overrides of one cron job (section <c>Resident:CronJobs:{Name}</c>).</summary>
public sealed class CronJobOptions
{
    /// <summary>False turns the job off. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A new interval, at least 1 millisecond (makes the job an interval job). Configuration takes milliseconds
    /// (<c>5000</c>) or a time span (<c>00:00:05</c>).
    /// </summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>A new cron expression (makes the job a cron job).</summary>
    public string? Expression { get; set; }

    /// <summary>A new time zone for the cron expression.</summary>
    public string? TimeZone { get; set; }

    /// <summary>A new scope: <c>Cluster</c> (one node per planned firing, with <c>AddRedis()</c>) or <c>Node</c> (every node).</summary>
    public CronScope? Scope { get; set; }
}
