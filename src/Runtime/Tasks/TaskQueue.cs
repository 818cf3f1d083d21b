using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resident.Hosting;

namespace Resident.Tasks;

/// <summary>
/// The task workers: <c>TaskWorkerNum</c> loops over a channel of at most <c>TaskQueueCapacity</c> deliveries (tasks
/// and event firings) waiting for a worker. Delayed deliveries and retries wait on timers, bounded by the same number
/// counted apart, so memory never grows with a burst.
/// </summary>
internal sealed partial class TaskQueue : ITaskQueue, IEventDispatcher, IDisposable
{
    private const int MaxTries = 100;

    private readonly Channel<WorkItem> _ready;
    private readonly int _capacity;
    private readonly Dictionary<Type, WorkRunner> _listeners;
    private readonly Dictionary<Type, WorkRunner> _runners;
    private readonly HashSet<Type> _events;
    private readonly CancellationTokenSource _abort = new();
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly int _workerCount;
    private readonly bool _waitWhenFull;
    private readonly TimeSpan _fullTimeout;
    private Task[] _workers = [];
    private WorkerCounters[] _counters = [];
    private int _accepting = 1;
    private int _delayed;
    private int _finishing;
    private long _failed;

    public TaskQueue(ResidentRuntime runtime, IOptions<ResidentOptions> options, IServiceProvider services, ILogger<TaskQueue> logger)
    {
        var settings = options.Value;
        var background = runtime.Declarations.Background;
        _services = services;
        _logger = logger;
        _workerCount = settings.TaskWorkerNum;
        _capacity = settings.TaskQueueCapacity;

        // The ready queue is bounded by TaskQueueCapacity, and so (separately) are the deliveries waiting on a delay.
        // Built before the start-up checks run: a bad capacity must reach them, not throw here first.
        _ready = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Math.Max(1, _capacity)) { FullMode = BoundedChannelFullMode.Wait });
        _waitWhenFull = settings.TaskQueueFullMode == TaskQueueFullMode.Wait;
        _fullTimeout = settings.TaskQueueFullTimeout;
        _events = [.. background.Events.Select(@event => @event.Type)];
        _listeners = background.Listeners
            .GroupBy(listener => listener.EventType)
            .ToDictionary(group => group.Key, group => (WorkRunner)group.First().CreateRoute([.. group]));
        _runners = background.Tasks.ToDictionary(task => task.Type, task => task.CreateRunner());
    }

    public int Pending => _ready.Reader.Count + Volatile.Read(ref _delayed);

    public int Running => Volatile.Read(ref _counters).Sum(counters => Volatile.Read(ref counters.Running));

    public long Completed => Volatile.Read(ref _counters).Sum(counters => Volatile.Read(ref counters.Completed));

    public long Failed => Interlocked.Read(ref _failed);

    internal CancellationToken Aborted => _abort.Token;

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
        return AcceptAsync(new WorkItem(Runner<TTask>(), task, tries, 1, 0), delay, cancellationToken);
    }

    public ValueTask<bool> FireAsync<TEvent>(TEvent @event, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(@event);
        CheckDelivery(delay, tries);
        if (!_events.Contains(typeof(TEvent)))
        {
            throw new InvalidOperationException(
                $"{typeof(TEvent).FullName} is not an async event: mark the class [AsyncEvent] so Resident generates its registration and payload codec.");
        }

        if (!_listeners.TryGetValue(typeof(TEvent), out var route))
        {
            return ValueTask.FromResult(Volatile.Read(ref _accepting) == 1);
        }

        return AcceptAsync(new WorkItem(route, @event, tries, 1, 0), delay, cancellationToken);
    }

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

    private static void CheckDelivery(TimeSpan delay, int tries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(tries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tries, MaxTries);
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
                Log.QueueFull(_logger, item.Name);
                return ValueTask.FromResult(false);
            }

            _ = EnqueueLaterAsync(item, Resident.Timers.PreciseDelay.FromNow(delay));
            return ValueTask.FromResult(true);
        }

        if (_ready.Writer.TryWrite(item))
        {
            return ValueTask.FromResult(true);
        }

        if (!_waitWhenFull)
        {
            Log.QueueFull(_logger, item.Name);
            return ValueTask.FromResult(false);
        }

        return WaitForRoomAsync(item, cancellationToken);
    }

    private async ValueTask<bool> WaitForRoomAsync(WorkItem item, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_fullTimeout);
        try
        {
            await _ready.Writer.WriteAsync(item, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                Log.QueueFull(_logger, item.Name);
            }

            return false;
        }
        catch (ChannelClosedException)
        {
            return false; // The server stopped meanwhile.
        }
    }

    /// <summary>Queues a retry (after its backoff); retries keep going even while the ready queue is full.</summary>
    private void Schedule(WorkItem item, TimeSpan delay)
    {
        Interlocked.Increment(ref _delayed);
        _ = EnqueueLaterAsync(item, Resident.Timers.PreciseDelay.FromNow(delay));
    }

    private async Task EnqueueLaterAsync(WorkItem item, long dueTimestamp)
    {
        if (dueTimestamp > System.Diagnostics.Stopwatch.GetTimestamp()
            && !await Resident.Timers.PreciseDelay.UntilAsync(dueTimestamp, _abort.Token).ConfigureAwait(false))
        {
            return; // Stopped at the deadline: counted as left over (the supervised mode will hand it over).
        }

        try
        {
            if (!_ready.Writer.TryWrite(item))
            {
                await _ready.Writer.WriteAsync(item, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            return; // Stopped at the deadline while waiting for room: left over, like the delayed ones.
        }

        Interlocked.Decrement(ref _delayed);
    }

    private async Task WorkAsync(WorkerCounters counters)
    {
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (!_abort.IsCancellationRequested && reader.TryRead(out var item))
            {
                Volatile.Write(ref counters.Running, 1);
                try
                {
                    await item.Runner.RunAsync(this, counters, item).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    // RunAsync contains the app's exceptions; anything here is a bug, which must not kill the worker.
                    Log.WorkerFault(_logger, item.Name, exception);
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
    /// A try failed: schedules <paramref name="retry"/> (the item's next try) after the backoff and returns true, or
    /// logs the last failure and returns false.
    /// </summary>
    internal bool TryFailed(WorkItem retry, string name, int attempt, int tries, RetryPolicy policy, Exception exception)
    {
        if (attempt < tries && !_abort.IsCancellationRequested)
        {
            var delay = Backoff(policy, attempt);
            Log.TryFailed(_logger, name, attempt, tries, (long)delay.TotalMilliseconds, exception);
            Schedule(retry, delay);
            return true;
        }

        Log.GaveUp(_logger, name, attempt, exception);
        Interlocked.Increment(ref _failed);
        return false;
    }

    /// <summary>Runs a task's finish callback off the workers (LaravelS finish() runs back in the delivering worker).</summary>
    internal void Finish<TTask>(TTask task, string name) where TTask : class, IBackgroundTask
    {
        Interlocked.Increment(ref _finishing);
        _ = Task.Run(async () =>
        {
            var context = NewContext().Begin(name, 1, 1);
            try
            {
                await task.FinishAsync(context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Log.FinishFailed(_logger, name, exception);
            }
            finally
            {
                await context.DisposeAsync().ConfigureAwait(false);
                Interlocked.Decrement(ref _finishing);
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

    /// <summary>
    /// Stops accepting deliveries, runs what is queued until nothing is left or <paramref name="deadline"/> passes,
    /// then signals the cancellation token of what still runs and logs what is left by count.
    /// </summary>
    public async Task StopAsync(DateTimeOffset deadline)
    {
        Volatile.Write(ref _accepting, 0);
        while (_ready.Reader.Count + Running + Volatile.Read(ref _finishing) > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        var queued = _ready.Reader.Count;
        var running = Running;
        var delayed = Volatile.Read(ref _delayed);
        _abort.Cancel();
        _ready.Writer.TryComplete();
        if (queued + running + delayed > 0)
        {
            Log.LeftAtStop(_logger, queued, delayed, running);
        }
    }

    public void Dispose()
    {
        _abort.Cancel();
        _ready.Writer.TryComplete();
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Warning, "The task queue is full (TaskQueueCapacity); {Name} was not accepted.")]
        public static partial void QueueFull(ILogger logger, string name);

        [LoggerMessage(41, LogLevel.Warning, "{Name} failed try {Attempt} of {Tries}; retrying in {DelayMilliseconds} ms.")]
        public static partial void TryFailed(ILogger logger, string name, int attempt, int tries, long delayMilliseconds, Exception exception);

        [LoggerMessage(42, LogLevel.Error, "{Name} failed its last try ({Attempt}); it is dropped.")]
        public static partial void GaveUp(ILogger logger, string name, int attempt, Exception exception);

        [LoggerMessage(43, LogLevel.Error, "The finish callback of {Name} failed.")]
        public static partial void FinishFailed(ILogger logger, string name, Exception exception);

        [LoggerMessage(44, LogLevel.Warning, "Stopped with background work left after MaxWaitTime: {Queued} queued, {Delayed} delayed or waiting to retry, {Running} still running (cancelled).")]
        public static partial void LeftAtStop(ILogger logger, int queued, int delayed, int running);

        [LoggerMessage(45, LogLevel.Critical, "A task worker failed on {Name}; the worker goes on.")]
        public static partial void WorkerFault(ILogger logger, string name, Exception exception);
    }
}
