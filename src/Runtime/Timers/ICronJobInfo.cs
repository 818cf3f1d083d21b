namespace Resident;

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

    /// <summary>When the last run started on this node, or null before the first.</summary>
    DateTimeOffset? LastRun => null;

    /// <summary>Once per cluster or on every node, as configured.</summary>
    CronScope Scope => CronScope.Cluster;

    /// <summary>
    /// Firings of a once-per-cluster job this node did not run because another node claimed it first (or had already
    /// claimed a later firing, when this node was late or its clock behind).
    /// </summary>
    long RanElsewhere => 0;

    /// <summary>
    /// Firings of a once-per-cluster job that no node could be sure to own (Redis away): skipped here, never run on
    /// every node. Logged by Resident.Redis.
    /// </summary>
    long ClaimFailures => 0;
}
