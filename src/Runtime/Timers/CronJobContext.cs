namespace Resident;

/// <summary>What one run of a cron job knows, and how it stops the job.</summary>
public sealed class CronJobContext
{
    private readonly CronJobState _state;

    internal CronJobContext(CronJobState state, DateTimeOffset plannedAt, TimeSpan lag, long run, CancellationToken stopping, long? fencingToken = null)
    {
        FencingToken = fencingToken;
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

    /// <summary>
    /// For a once-per-cluster job (<see cref="CronScope.Cluster"/> with <c>AddRedis()</c>): a number that grows with every
    /// firing of this job across the cluster, in the order of their planned times. Pass it to the resource the run
    /// writes (a database row, a file's metadata) so a stale holder can be rejected: a node that stalled past its
    /// firing and wakes up late writes with a smaller token than the run that came after it. Null on one node.
    /// </summary>
    public long? FencingToken { get; }

    /// <summary>Signalled when the server stops and <c>MaxWaitTime</c> has run out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Stops the job after this run (LaravelS <c>$this-&gt;stop()</c>); it runs again after a restart or reload.</summary>
    public void Stop() => _state.RequestStop();
}
