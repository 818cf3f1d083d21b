using System.Diagnostics.Metrics;

namespace Resident.Metrics;

// Cron jobs' runs and skips (resident.cron.lag stays in the main file); tag `job`, made once per job by its runner.
internal sealed partial class ResidentMetrics
{
    /// <summary>Counter of cron job runs; tags <c>job</c> and <c>outcome</c> (<c>completed</c>, <c>failed</c>).</summary>
    public const string CronRunsName = "resident.cron.runs";

    /// <summary>Counter of cron firings that did not run here; tags <c>job</c> and <c>reason</c> (see <see cref="CronSkipReason"/>).</summary>
    public const string CronSkipsName = "resident.cron.skips";

    // Indexed by CronSkipReason.
    private static readonly KeyValuePair<string, object?>[] SkipReasonTags =
        [new("reason", "overlap"), new("reason", "late"), new("reason", "ran_elsewhere"), new("reason", "lock_unavailable")];

    private Counter<long> _cronRuns = null!;
    private Counter<long> _cronSkips = null!;

    /// <summary>Why a cron firing did not run on this node (the <c>reason</c> tag).</summary>
    public enum CronSkipReason
    {
        /// <summary><c>overlap</c>: the previous run (of a job that does not allow overlap) was still going.</summary>
        Overlap,

        /// <summary><c>late</c>: the scheduler woke after the next firing was due too (a busy machine, a clock jump); the job allows overlap.</summary>
        Late,

        /// <summary><c>ran_elsewhere</c>: a once-per-cluster firing another node claimed.</summary>
        RanElsewhere,

        /// <summary><c>lock_unavailable</c>: the cluster lock could not be reached, so no node is sure to run it.</summary>
        LockUnavailable,
    }

    partial void CreateCronInstruments()
    {
        _cronRuns = Meter.CreateCounter<long>(CronRunsName, "{run}", "Cron job runs, by outcome: completed or failed (threw).");
        _cronSkips = Meter.CreateCounter<long>(CronSkipsName, "{run}",
            "Cron firings that did not run on this node, by reason: overlap, late, ran_elsewhere, lock_unavailable.");
    }

    /// <summary>Counts one run of a cron job and how it ended (<see cref="RunOutcome.Completed"/> or <see cref="RunOutcome.Failed"/>).</summary>
    public void AddCronRun(RunOutcome outcome, in KeyValuePair<string, object?> job) => _cronRuns.Add(1, job, OutcomeTags[(int)outcome]);

    /// <summary>Counts <paramref name="count"/> firings of a cron job skipped for <paramref name="reason"/>.</summary>
    public void AddCronSkips(long count, CronSkipReason reason, in KeyValuePair<string, object?> job)
    {
        if (count > 0)
        {
            _cronSkips.Add(count, job, SkipReasonTags[(int)reason]);
        }
    }
}
