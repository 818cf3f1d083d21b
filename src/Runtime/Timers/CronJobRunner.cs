using Cronos;
using Microsoft.Extensions.Logging;
using Resident.Metrics;

namespace Resident.Timers;

/// <summary>
/// Runs one cron job on its schedule. Interval ticks are planned as multiples of the interval from the start on the
/// monotonic clock, so lateness never accumulates; cron occurrences are read in their time zone (Cronos handles DST).
/// A once-per-cluster job (with a shared <see cref="ICronClusterLock"/>) plans interval ticks on multiples of the
/// interval since the Unix epoch instead, so every node plans the same instants, and claims each firing before running it.
/// Time is read from the clock's <see cref="TimeProvider"/>, so tests can drive the schedule with a fake one.
/// </summary>
internal sealed class CronJobRunner : ICronJobInfo
{
    private readonly CronJobState _state;
    private readonly ICronJob _job;
    private readonly int _intervalMilliseconds;
    private readonly CronExpression? _expression;
    private readonly TimeZoneInfo _timeZone;
    private readonly bool _immediate;
    private readonly bool _allowOverlap;
    private readonly ILogger _logger;
    private readonly ResidentMetrics _metrics;
    private readonly KeyValuePair<string, object?> _jobTag;

    // The last run that held up the schedule (a job that does not allow overlap runs inline): its start and end on
    // both clocks, so a firing passed over can be told apart as due during that run (overlap) or not (late).
    // Written and read by the scheduling loop only.
    private bool _heldUp;
    private long _heldUpFromTimestamp;
    private long _heldUpUntilTimestamp;
    private DateTimeOffset _heldUpFromWall;
    private DateTimeOffset _heldUpUntilWall;
    private readonly MonotonicClock _clock;
    private readonly TimeProvider _time;
    private readonly List<Task> _overlapping = [];
    private readonly ICronClusterLock _clusterLock;
    private readonly bool _clustered;
    private long _runs;
    private long _ranElsewhere;
    private long _claimFailures;
    private long _failures;
    private long _skipped;
    private long _lastLagTicks;
    private long _nextRunTicks;
    private long _lastRunTicks;

    public CronJobRunner(string name, string schedule, int intervalMilliseconds, CronExpression? expression, TimeZoneInfo timeZone,
        bool immediate, bool allowOverlap, ICronJob job, ILogger logger, ResidentMetrics metrics, MonotonicClock clock,
        CronScope scope = CronScope.Node, ICronClusterLock? clusterLock = null)
    {
        Scope = scope;
        _clusterLock = clusterLock ?? SingleNodeCronLock.Instance;

        // Only a lock other nodes share changes anything: on one node a cluster job is planned and run as a node job.
        _clustered = scope == CronScope.Cluster && _clusterLock.Shared;
        _clock = clock;
        _time = clock.Time;
        _state = new CronJobState(name);
        Schedule = schedule;
        _intervalMilliseconds = intervalMilliseconds;
        _expression = expression;
        _timeZone = timeZone;
        _immediate = immediate;
        _allowOverlap = allowOverlap;
        _job = job;
        _logger = logger;
        _metrics = metrics;
        _jobTag = ResidentMetrics.JobTag(name);
    }

    public string Name => _state.Name;

    public string Schedule { get; }

    public bool Enabled => true;

    public bool Stopped => _state.StopRequested;

    public long Runs => Interlocked.Read(ref _runs);

    public long Failures => Interlocked.Read(ref _failures);

    public long Skipped => Interlocked.Read(ref _skipped);

    public TimeSpan LastLag => TimeSpan.FromTicks(Interlocked.Read(ref _lastLagTicks));

    public CronScope Scope { get; }

    public long RanElsewhere => Interlocked.Read(ref _ranElsewhere);

    public long ClaimFailures => Interlocked.Read(ref _claimFailures);

    public DateTimeOffset? NextRun => Interlocked.Read(ref _nextRunTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public DateTimeOffset? LastRun => Interlocked.Read(ref _lastRunTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Schedules runs until <paramref name="stopScheduling"/> or the job stops itself; waits for its runs to end.</summary>
    public async Task RunAsync(CancellationToken stopScheduling, CancellationToken abort)
    {
        // One origin for both clocks: planned monotonic times map to wall-clock times for the context.
        var originTimestamp = _time.GetTimestamp();
        var originWall = _time.GetUtcNow();
        long tick = 0;
        try
        {
            long lastPlannedMilliseconds = long.MinValue;
            if (_immediate)
            {
                if (_clustered)
                {
                    // The start run is claimed like a firing, planned at the start of the current period (interval,
                    // or minute for a cron expression), so nodes starting together run it once, and not at all
                    // when the cluster already fired in that period.
                    var period = _expression is null ? _intervalMilliseconds : 60_000L;
                    var current = originWall.ToUnixTimeMilliseconds() / period * period;
                    lastPlannedMilliseconds = current;
                    await StartRunAsync(originTimestamp, DateTimeOffset.FromUnixTimeMilliseconds(current), abort).ConfigureAwait(false);
                }
                else
                {
                    await StartRunAsync(originTimestamp, originWall, abort).ConfigureAwait(false);
                }
            }

            DateTimeOffset? lastOccurrence = null;
            while (!stopScheduling.IsCancellationRequested && !_state.StopRequested)
            {
                long dueTimestamp;
                DateTimeOffset dueWall;
                if (_expression is null && _clustered)
                {
                    // Every node plans the multiples of the interval since the epoch on its own wall clock, so they
                    // claim the same keys; a node whose clock is a little off claims a little early or late.
                    var nowTimestamp = _time.GetTimestamp();
                    var nowWall = _time.GetUtcNow();
                    var nowMilliseconds = nowWall.ToUnixTimeMilliseconds();
                    var next = ((nowMilliseconds / _intervalMilliseconds) + 1) * _intervalMilliseconds;
                    if (lastPlannedMilliseconds != long.MinValue)
                    {
                        if (next <= lastPlannedMilliseconds)
                        {
                            next = lastPlannedMilliseconds + _intervalMilliseconds; // The wall clock stepped back.
                        }
                        else if (next > lastPlannedMilliseconds + _intervalMilliseconds)
                        {
                            // Passed over: lastPlanned + k × interval for k = 1 … count.
                            var count = ((next - lastPlannedMilliseconds) / _intervalMilliseconds) - 1;
                            Skip(count, _heldUp ? CountDue(1, count, lastPlannedMilliseconds, _intervalMilliseconds,
                                _heldUpFromWall.ToUnixTimeMilliseconds(), _heldUpUntilWall.ToUnixTimeMilliseconds()) : 0);
                        }
                    }

                    lastPlannedMilliseconds = next;
                    dueWall = DateTimeOffset.FromUnixTimeMilliseconds(next);
                    dueTimestamp = nowTimestamp + (long)((dueWall - nowWall).TotalSeconds * _time.TimestampFrequency);
                }
                else if (_expression is null)
                {
                    var interval = _time.TimestampFrequency * _intervalMilliseconds / 1000;
                    var next = tick + 1;
                    var now = _time.GetTimestamp();
                    if (originTimestamp + (next * interval) <= now)
                    {
                        // The previous run covered this tick (or more): skip to the first one still ahead.
                        var first = ((now - originTimestamp) / interval) + 1;
                        Skip(first - next, _heldUp ? CountDue(next, first - 1, originTimestamp, interval, _heldUpFromTimestamp, _heldUpUntilTimestamp) : 0);
                        next = first;
                    }

                    tick = next;
                    dueTimestamp = originTimestamp + (tick * interval);
                    dueWall = originWall + _time.GetElapsedTime(originTimestamp, dueTimestamp);
                }
                else
                {
                    var nowWall = _time.GetUtcNow();
                    var from = lastOccurrence is { } last && last > nowWall ? last : nowWall;
                    if (_expression!.GetNextOccurrence(from, _timeZone) is not { } occurrence)
                    {
                        break; // The expression has no later occurrence (a fixed date in the past).
                    }

                    if (lastOccurrence is { } previous)
                    {
                        var (count, overlapping) = CountBetween(previous, from);
                        Skip(count, overlapping);
                    }

                    lastOccurrence = occurrence;
                    dueWall = occurrence;
                    dueTimestamp = _time.GetTimestamp() + (long)((occurrence - nowWall).TotalSeconds * _time.TimestampFrequency);
                }

                Interlocked.Exchange(ref _nextRunTicks, dueWall.UtcTicks);
                if (!await _clock.WhenAsync(dueTimestamp, stopScheduling).ConfigureAwait(false))
                {
                    break;
                }

                await StartRunAsync(dueTimestamp, dueWall, abort).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _nextRunTicks, 0);
            Task[] overlapping;
            lock (_overlapping)
            {
                overlapping = [.. _overlapping];
            }

            await Task.WhenAll(overlapping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Counts <paramref name="firings"/> passed over, <paramref name="overlapping"/> of them due while the last run held the schedule up.</summary>
    private void Skip(long firings, long overlapping)
    {
        Interlocked.Add(ref _skipped, firings);
        _metrics.AddCronSkips(overlapping, ResidentMetrics.CronSkipReason.Overlap, _jobTag);
        _metrics.AddCronSkips(firings - overlapping, ResidentMetrics.CronSkipReason.Late, _jobTag);
    }

    /// <summary>How many of the firings <c>origin + k × step</c>, <paramref name="first"/> ≤ k ≤ <paramref name="last"/>, fall in (<paramref name="after"/>, <paramref name="until"/>].</summary>
    internal static long CountDue(long first, long last, long origin, long step, long after, long until)
    {
        var from = Math.Max(first, FloorDivide(after - origin, step) + 1);
        var to = Math.Min(last, FloorDivide(until - origin, step));
        return Math.Max(0, to - from + 1);
    }

    private static long FloorDivide(long dividend, long divisor) => dividend >= 0 ? dividend / divisor : -((-dividend + divisor - 1) / divisor);

    // Occurrences strictly after previous and up to now that no run started for, and how many of them were due while
    // the last run held the schedule up.
    private (long Count, long Overlapping) CountBetween(DateTimeOffset previous, DateTimeOffset now)
    {
        long count = 0;
        long overlapping = 0;
        var cursor = previous;
        while (count < 1000 && _expression!.GetNextOccurrence(cursor, _timeZone) is { } next && next <= now)
        {
            count++;
            if (_heldUp && next > _heldUpFromWall && next <= _heldUpUntilWall)
            {
                overlapping++;
            }

            cursor = next;
        }

        return (count, overlapping);
    }

    private async Task StartRunAsync(long plannedTimestamp, DateTimeOffset plannedWall, CancellationToken abort)
    {
        long? fencingToken = null;
        if (_clustered)
        {
            var claim = await ClaimAsync(plannedWall, abort).ConfigureAwait(false);
            if (claim.Outcome != CronClaimOutcome.Granted)
            {
                if (claim.Outcome == CronClaimOutcome.Elsewhere)
                {
                    Interlocked.Increment(ref _ranElsewhere);
                    _metrics.AddCronSkips(1, ResidentMetrics.CronSkipReason.RanElsewhere, _jobTag);
                }
                else
                {
                    Interlocked.Increment(ref _claimFailures);
                    _metrics.AddCronSkips(1, ResidentMetrics.CronSkipReason.LockUnavailable, _jobTag);
                }

                return;
            }

            fencingToken = claim.FencingToken;
        }

        var lag = _time.GetElapsedTime(plannedTimestamp);
        Interlocked.Exchange(ref _lastLagTicks, lag.Ticks);
        Interlocked.Exchange(ref _lastRunTicks, _time.GetUtcNow().UtcTicks);
        _metrics.RecordCronLag(lag, _jobTag);
        var run = Interlocked.Increment(ref _runs);
        var context = new CronJobContext(_state, plannedWall, lag, run, abort, fencingToken);
        if (!_allowOverlap)
        {
            var fromTimestamp = _time.GetTimestamp();
            var fromWall = _time.GetUtcNow();
            await RunOnceAsync(context).ConfigureAwait(false);
            (_heldUp, _heldUpFromTimestamp, _heldUpFromWall) = (true, fromTimestamp, fromWall);
            (_heldUpUntilTimestamp, _heldUpUntilWall) = (_time.GetTimestamp(), _time.GetUtcNow());
            return;
        }

        var running = Task.Run(() => RunOnceAsync(context), CancellationToken.None);
        lock (_overlapping)
        {
            _overlapping.RemoveAll(task => task.IsCompleted);
            _overlapping.Add(running);
        }
    }

    /// <summary>How long a firing's claim is held: <c>max(interval, minimum)</c>, the interval being the gap to the next occurrence for a cron expression.</summary>
    internal TimeSpan Lease(DateTimeOffset plannedAt)
    {
        var minimum = TimeSpan.FromMilliseconds(ResidentLimits.CronJob.MinClusterLeaseMilliseconds);
        var interval = _expression is null
            ? TimeSpan.FromMilliseconds(_intervalMilliseconds)
            : _expression.GetNextOccurrence(plannedAt, _timeZone) is { } next ? next - plannedAt : minimum;
        return interval > minimum ? interval : minimum;
    }

    private async ValueTask<CronClaim> ClaimAsync(DateTimeOffset plannedAt, CancellationToken abort)
    {
        try
        {
            return await _clusterLock.TryClaimAsync(Name, plannedAt, Lease(plannedAt), abort).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The lock reports its own failures; one that throws anyway must not run the firing everywhere.
            return CronClaim.Unavailable;
        }
    }

    private async Task RunOnceAsync(CronJobContext context)
    {
        try
        {
            await _job.RunAsync(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _failures);
            _metrics.AddCronRun(ResidentMetrics.RunOutcome.Failed, _jobTag);
            CronLog.RunFailed(_logger, Name, context.Run, exception);
            return;
        }

        _metrics.AddCronRun(ResidentMetrics.RunOutcome.Completed, _jobTag);
    }
}
