using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;
using Resident.Metrics;
using Resident.Timers;

namespace Resident.Tasks;

/// <summary>
/// The task workers: <c>TaskWorkerNum</c> loops over a channel of at most <c>TaskQueueCapacity</c> deliveries (tasks
/// and event firings) waiting for a worker. Delayed deliveries and retries wait on timers of the injected
/// <see cref="TimeProvider"/>, bounded by the same number counted apart, so memory never grows with a burst.
/// </summary>
/// <remarks>
/// At stop (<see cref="DrainAsync"/>) the queue refuses deliveries and runs what it holds: delayed deliveries and
/// retries due by the stop's deadline are waited for; those due later are dropped at once and logged as not yet
/// due. Whatever is still queued or running when the deadline passes is cut off by <see cref="Abort"/>. On a reload,
/// <see cref="HandOver"/> first takes out what is not yet running for the next generation's <see cref="TakeOver"/>.
/// </remarks>
internal sealed partial class TaskQueue : ITaskQueue, IDisposable
{
    private readonly Channel<WorkItem> _ready;
    private readonly int _capacity;
    private readonly Dictionary<Type, WorkRunner> _runners;
    private readonly Dictionary<Type, WorkRunner> _eventRoutes;

    // Every delivery waiting on a delay, a retry's backoff or room in the ready queue, so a hand-over can take it.
    private readonly ConcurrentDictionary<WaitingDelivery, byte> _waiting = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _stopBegun = new();
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResidentMetrics _metrics;
    private readonly int _workerCount;
    private readonly bool _waitWhenFull;
    private readonly TimeSpan _fullTimeout;
    private Task[] _workers = [];
    private WorkerCounters[] _counters = [];
    private TaskCompletionSource? _idle;
    private long _deadlineTimestamp = long.MaxValue;
    private int _accepting = 1;
    private int _delayed;
    private int _finishing;
    private int _droppedNotDue;
    private long _accepted;
    private long _waitingSequence;
    private long _endedOffWorkers;
    private long _finished;
    private long _failed;

    public TaskQueue(ResidentRuntime runtime, IOptions<ResidentOptions> options, IServiceProvider services, TimeProvider time, ILogger<TaskQueue> logger,
        ResidentMetrics metrics)
    {
        var settings = options.Value;
        var background = runtime.Declarations.Background;
        _services = services;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _workerCount = settings.TaskWorkerNum;
        _capacity = settings.TaskQueueCapacity;

        // The ready queue is bounded by TaskQueueCapacity, and so (separately) are the deliveries waiting on a delay.
        // Built before the start-up checks run: a bad capacity must reach them, not throw here first.
        _ready = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Math.Max(1, _capacity)) { FullMode = BoundedChannelFullMode.Wait });
        _waitWhenFull = settings.TaskQueueFullMode == TaskQueueFullMode.Wait;
        _fullTimeout = settings.TaskQueueFullTimeout;
        _runners = background.Tasks.ToDictionary(task => task.Type, task => task.CreateRunner());
        _eventRoutes = background.Listeners
            .GroupBy(listener => listener.EventType)
            .ToDictionary(group => group.Key, group => group.First().CreateRoute([.. group]));
        foreach (var route in _eventRoutes.Values)
        {
            ((Resident.Events.IEventRoute)route).Bind(background.Events);
        }

        _handOverRunners = HandOverRunners(_runners.Values.Concat(_eventRoutes.Values));
        _durableRunners = DurableRunners(background.Tasks, settings.Tasks);
        metrics.ObserveTaskQueue(() => Pending, () => Running);
    }

    /// <summary>The instruments the queue and its runners record on.</summary>
    internal ResidentMetrics Metrics => _metrics;

    /// <summary>Now, as a timestamp of the queue's <see cref="TimeProvider"/>.</summary>
    internal long Timestamp() => _time.GetTimestamp();

    /// <summary>The time elapsed since <paramref name="timestamp"/> (from <see cref="Timestamp"/>).</summary>
    internal TimeSpan Since(long timestamp) => _time.GetElapsedTime(timestamp);

    /// <summary>The listener route of each event type that has listeners (the event dispatcher queues firings on them).</summary>
    internal IReadOnlyDictionary<Type, WorkRunner> EventRoutes => _eventRoutes;

    public int Pending => _ready.Reader.Count + Volatile.Read(ref _delayed);

    public int Running => Volatile.Read(ref _counters).Sum(counters => Volatile.Read(ref counters.Running));

    public long Completed => Volatile.Read(ref _counters).Sum(counters => Volatile.Read(ref counters.Completed)) + Interlocked.Read(ref _finished);

    public long Failed => Interlocked.Read(ref _failed);

    internal CancellationToken Aborted => _abort.Token;

    /// <summary>Whether deliveries are still accepted (false once the stop refuses them).</summary>
    internal bool IsAccepting => Volatile.Read(ref _accepting) == 1;

    /// <summary>Starts the worker loops (deliveries made before are queued and wait for them).</summary>
    public void Start()
    {
        if (_workers.Length == 0)
        {
            // Counters per worker: each is written by its own worker only, so the hot path shares no cache line.
            var counters = Enumerable.Range(0, _workerCount).Select(_ => new WorkerCounters { Context = NewContext() }).ToArray();
            Volatile.Write(ref _counters, counters);
            _workers = [.. counters.Select(worker => Task.Run(() => WorkAsync(worker)))];
        }
    }

    public ValueTask<bool> DeliverAsync<TTask>(TTask task, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TTask : class, IBackgroundTask
    {
        ArgumentNullException.ThrowIfNull(task);
        CheckDelivery(delay, tries);
        var runner = Runner<TTask>();
        return runner.IsDurable
            ? SendDurableAsync(runner, task, delay, tries, cancellationToken)
            : AcceptAsync(new WorkItem(runner, task, tries, 1, 0), delay, cancellationToken);
    }

    /// <summary>Queues work of another kind (an event's listener route) for the task workers.</summary>
    internal ValueTask<bool> EnqueueAsync(WorkRunner runner, object payload, TimeSpan delay, int tries, CancellationToken cancellationToken) =>
        AcceptAsync(new WorkItem(runner, payload, tries, 1, 0), delay, cancellationToken);

    private WorkRunner Runner<TTask>() where TTask : class, IBackgroundTask
    {
        // A per-type static remembers the last queue's answer, sparing the dictionary on the hot path.
        if (RunnerCache<TTask>.Entry is { } cached && ReferenceEquals(cached.Queue, this))
        {
            return cached.Runner;
        }

        if (!_runners.TryGetValue(typeof(TTask), out var runner))
        {
            throw new InvalidOperationException(
                $"{typeof(TTask).FullName} is not a background task: mark the class [BackgroundTask] so Resident generates its registration and payload codec.");
        }

        RunnerCache<TTask>.Entry = new(this, runner);
        return runner;
    }

    private static class RunnerCache<TTask> where TTask : class, IBackgroundTask
    {
        public static CacheEntry? Entry;
    }

    private sealed record CacheEntry(TaskQueue Queue, WorkRunner Runner);

    internal static void CheckDelivery(TimeSpan delay, int tries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(tries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tries, ResidentLimits.Retry.MaxTries);
    }

    private ValueTask<bool> AcceptAsync(WorkItem item, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _accepting) == 0)
        {
            return ValueTask.FromResult(false);
        }

        if (delay > TimeSpan.Zero)
        {
            if (Interlocked.Increment(ref _delayed) > _capacity)
            {
                Interlocked.Decrement(ref _delayed);
                Refused(item);
                return ValueTask.FromResult(false);
            }

            Interlocked.Increment(ref _accepted);
            Accepted(item.Runner);
            Wait(item, PreciseDelay.FromNow(_time, delay));
            return ValueTask.FromResult(true);
        }

        // Counted before it is visible to a worker, so the stop never sees it ended without seeing it accepted.
        Interlocked.Increment(ref _accepted);
        item = item with { ReadyTimestamp = _time.GetTimestamp() };
        if (_ready.Writer.TryWrite(item))
        {
            Accepted(item.Runner);
            return ValueTask.FromResult(true);
        }

        if (!_waitWhenFull)
        {
            Release(null);
            Refused(item);
            return ValueTask.FromResult(false);
        }

        return WaitForRoomAsync(item, cancellationToken);
    }

    private async ValueTask<bool> WaitForRoomAsync(WorkItem item, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_fullTimeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _ready.Writer.WriteAsync(item, either.Token).ConfigureAwait(false);
            Accepted(item.Runner);
            return true;
        }
        catch (OperationCanceledException)
        {
            Release(null);
            if (!cancellationToken.IsCancellationRequested)
            {
                Refused(item);
            }

            return false;
        }
        catch (ChannelClosedException)
        {
            Release(null);
            return false; // The server stopped meanwhile.
        }
    }

    // A delivery of a task type counts as a task delivery; one of an event's listener route as a firing.
    private void Accepted(WorkRunner runner)
    {
        if (runner.IsEventRoute)
        {
            _metrics.AddEventFired(runner.MetricTag);
        }
        else
        {
            _metrics.AddTaskDelivery(runner.MetricTag);
        }
    }

    private void Refused(in WorkItem item)
    {
        TaskLog.QueueFull(_logger, item.Name);
        if (item.Runner.IsEventRoute)
        {
            _metrics.AddEventRefusal(item.Runner.MetricTag);
        }
        else
        {
            _metrics.AddTaskRefusal(item.Runner.MetricTag);
        }
    }

    /// <summary>Queues a retry (after its backoff); retries keep going even while the ready queue is full.</summary>
    private void Schedule(WorkItem item, TimeSpan delay)
    {
        // Due from now, read before the retry is counted as pending (a test's fake clock moves once it sees it).
        var dueTimestamp = PreciseDelay.FromNow(_time, delay);
        Interlocked.Increment(ref _delayed);
        Wait(item, dueTimestamp);
    }

    /// <summary>
    /// Registers <paramref name="item"/> (already counted in <c>_delayed</c>) as waiting until <paramref name="dueTimestamp"/>
    /// and starts its wait.
    /// </summary>
    private void Wait(WorkItem item, long dueTimestamp)
    {
        var waiting = new WaitingDelivery(item, dueTimestamp, Interlocked.Increment(ref _waitingSequence));
        _waiting.TryAdd(waiting, 0);
        _ = EnqueueLaterAsync(waiting);
    }

    private async Task EnqueueLaterAsync(WaitingDelivery waiting)
    {
        var dueTimestamp = waiting.DueTimestamp;
        if (!await PreciseDelay.UntilAsync(_time, dueTimestamp, _stopBegun.Token).ConfigureAwait(false))
        {
            // The stop began: what is due by its deadline is still waited for; what is due later is dropped now.
            if (dueTimestamp > Volatile.Read(ref _deadlineTimestamp))
            {
                if (Settle(waiting))
                {
                    Interlocked.Increment(ref _droppedNotDue);
                    LeftWaiting();
                }

                return;
            }

            if (!await PreciseDelay.UntilAsync(_time, dueTimestamp, _abort.Token).ConfigureAwait(false))
            {
                if (Settle(waiting))
                {
                    LeftWaiting(); // Cut off at the deadline: counted as left over by Abort.
                }

                return;
            }
        }

        // Due. The claim and the write are one step against a hand-over: whoever claims first owns the delivery. While
        // the ready queue is full the delivery stays unclaimed, so a hand-over can still take it.
        while (true)
        {
            if (!waiting.TryClaim(WaitingDelivery.Enqueued))
            {
                return; // Handed over: the hand-over ended it here.
            }

            // It waits for a worker since it came due, however long it then waited for room.
            if (_ready.Writer.TryWrite(waiting.Item with { ReadyTimestamp = dueTimestamp }))
            {
                _waiting.TryRemove(waiting, out _);

                // After the write: the item is always counted as delayed or queued.
                Interlocked.Decrement(ref _delayed);
                return;
            }

            waiting.Unclaim();
            bool room;
            try
            {
                room = await _ready.Writer.WaitToWriteAsync(_abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                room = false;
            }

            if (!room)
            {
                if (Settle(waiting))
                {
                    LeftWaiting(); // Cut off at the deadline while waiting for room: left over, like the delayed ones.
                }

                return;
            }
        }
    }

    /// <summary>Claims a waiting delivery to end it in this process; false when a hand-over took it first.</summary>
    private bool Settle(WaitingDelivery waiting)
    {
        if (!waiting.TryClaim(WaitingDelivery.Enqueued))
        {
            return false;
        }

        _waiting.TryRemove(waiting, out _);
        return true;
    }

    private void LeftWaiting()
    {
        Interlocked.Decrement(ref _delayed);
        Release(null);
    }

    private async Task WorkAsync(WorkerCounters counters)
    {
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!_abort.IsCancellationRequested && reader.TryRead(out var item))
            {
                if (!item.Runner.IsEventRoute)
                {
                    _metrics.RecordTaskWait(_time.GetElapsedTime(item.ReadyTimestamp), item.Runner.MetricTag);
                }

                Volatile.Write(ref counters.Running, 1);
                try
                {
                    await item.Runner.RunAsync(this, counters, item).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    // RunAsync contains the app's exceptions; anything here is a bug, which must not kill the worker.
                    TaskLog.WorkerFault(_logger, item.Name, exception);
                    Release(counters);
                }
                finally
                {
                    Volatile.Write(ref counters.Running, 0);
                }
            }

            if (_abort.IsCancellationRequested)
            {
                return;
            }
        }
    }

    internal TaskContext NewContext() => new(_services, _abort.Token);

    /// <summary>
    /// Ends one accepted delivery (run to its end, given up, or dropped), on <paramref name="worker"/>'s own counter
    /// (no cache line shared with the other workers or the deliverers) or, off the workers, on a shared one. When the
    /// stop waits and nothing is left, this completes its wait: no polling.
    /// </summary>
    internal void Release(WorkerCounters? worker)
    {
        // Interlocked (a full fence) so the count is visible before _idle is read; the stop publishes _idle the same way.
        if (worker is not null)
        {
            Interlocked.Increment(ref worker.Ended);
        }
        else
        {
            Interlocked.Increment(ref _endedOffWorkers);
        }

        if (Volatile.Read(ref _idle) is { } idle && IsIdle())
        {
            idle.TrySetResult();
        }
    }

    // Ended is read before accepted: every counter only grows and a delivery ends after it was accepted, so equal
    // sums mean that, when the last ended counter was read, every accepted delivery had ended.
    private bool IsIdle()
    {
        var ended = Interlocked.Read(ref _endedOffWorkers);
        foreach (var counters in Volatile.Read(ref _counters))
        {
            ended += Interlocked.Read(ref counters.Ended);
        }

        return ended == Interlocked.Read(ref _accepted);
    }

    /// <summary>
    /// A try failed: schedules <paramref name="retry"/> (the item's next try) after the backoff and returns true, or
    /// logs the last failure and returns false.
    /// </summary>
    internal bool TryFailed(WorkItem retry, string name, int attempt, int tries, RetryPolicy policy, Exception exception)
    {
        if (attempt < tries && !_abort.IsCancellationRequested)
        {
            var delay = Backoff(policy, attempt);
            TaskLog.TryFailed(_logger, name, attempt, tries, (long)delay.TotalMilliseconds, exception);
            Schedule(retry, delay);
            return true;
        }

        TaskLog.GaveUp(_logger, name, attempt, exception);
        Interlocked.Increment(ref _failed);
        RecordFailure(name, attempt, exception);
        return false;
    }

    /// <summary>
    /// Runs a task's finish callback off the workers (LaravelS finish() runs back in the delivering worker), told the
    /// attempt that succeeded and the tries the delivery had; then ends the delivery.
    /// </summary>
    internal void Finish<TTask>(TTask task, string name, int attempt, int tries) where TTask : class, IBackgroundTask
    {
        Interlocked.Increment(ref _finishing);
        _ = Task.Run(async () =>
        {
            var context = NewContext().Begin(name, attempt, tries);
            try
            {
                await task.FinishAsync(context).ConfigureAwait(false);
                Interlocked.Increment(ref _finished);
            }
            catch (Exception exception)
            {
                TaskLog.FinishFailed(_logger, name, exception);
            }
            finally
            {
                await context.DisposeAsync().ConfigureAwait(false);
                Interlocked.Decrement(ref _finishing);
                Release(null);
            }
        });
    }

    internal static TimeSpan Backoff(RetryPolicy retry, int failedAttempt)
    {
        switch (retry.Backoff)
        {
            case TaskBackoff.Immediate:
                return TimeSpan.Zero;
            case TaskBackoff.Fixed:
                return TimeSpan.FromMilliseconds(retry.BackoffMilliseconds);
            default:
                var full = Math.Min((double)retry.MaxBackoffMilliseconds, retry.BackoffMilliseconds * Math.Pow(2, failedAttempt - 1));
                return TimeSpan.FromMilliseconds(full * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        }
    }

    /// <summary>Refuses deliveries from now on (they return false).</summary>
    internal void StopAccepting() => Volatile.Write(ref _accepting, 0);

    /// <summary>
    /// The stop's wait: refuses deliveries, drops the delayed deliveries and retries due after
    /// <paramref name="deadlineTimestamp"/> (a timestamp of the queue's <see cref="TimeProvider"/>), and completes with
    /// true once nothing is queued, waiting on a delay due by then, running or finishing — or with false when
    /// <paramref name="cutOff"/> fires first.
    /// </summary>
    internal async Task<bool> DrainAsync(long deadlineTimestamp, CancellationToken cutOff)
    {
        StopAccepting();
        Volatile.Write(ref _deadlineTimestamp, deadlineTimestamp);
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _idle, idle);
        _stopBegun.Cancel();
        if (IsIdle())
        {
            idle.TrySetResult();
        }

        await idle.Task.WaitAsync(cutOff).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return idle.Task.IsCompleted;
    }

    /// <summary>
    /// Ends the stop: signals the cancellation token of whatever still runs, stops the workers, and logs what was
    /// dropped as not yet due and — when <paramref name="cutOffCause"/> says the deadline cut the stop short — what
    /// was left queued and what was cancelled while running.
    /// </summary>
    internal void Abort(string? cutOffCause)
    {
        var queued = _ready.Reader.Count + Volatile.Read(ref _delayed);
        var running = Running + Volatile.Read(ref _finishing);
        _abort.Cancel();
        _ready.Writer.TryComplete();
        if (Volatile.Read(ref _droppedNotDue) is var dropped and > 0)
        {
            TaskLog.DroppedNotDue(_logger, dropped);
        }

        if (cutOffCause is not null && queued + running > 0)
        {
            TaskLog.CutOff(_logger, cutOffCause, queued, running);
        }
    }

    public void Dispose()
    {
        _abort.Cancel();
        _stopBegun.Cancel();
        _ready.Writer.TryComplete();
    }
}
