namespace Resident;

/// <summary>
/// Delivers <see cref="BackgroundTaskAttribute">[BackgroundTask]</see> instances to the task workers (LaravelS
/// <c>Task::deliver</c>). Usable from anywhere: endpoints, handlers, timers, custom processes and other tasks.
/// </summary>
public interface ITaskQueue
{
    /// <summary>
    /// Queues <paramref name="task"/> for a task worker. Returns false when it was not accepted: the queue stayed full
    /// (see <c>TaskQueueFullMode</c>) or the server is stopping — or, for a durable task type
    /// (<see cref="BackgroundTaskAttribute.Durable"/>), its transport (Redis) did not store it in time. True for a durable
    /// task means it is stored: it runs at least once on some node, even if this one dies.
    /// </summary>
    /// <param name="task">The task; hand it over and do not change it afterwards.</param>
    /// <param name="delay">Run no earlier than this from now (millisecond precision). Default: at once.</param>
    /// <param name="tries">Tries in all, 1–100; 0 (the default) takes the type's <see cref="BackgroundTaskAttribute.Tries"/>.</param>
    /// <param name="cancellationToken">Stops waiting for room in a full queue (or for Redis, for a durable task).</param>
    /// <exception cref="InvalidOperationException"><typeparamref name="TTask"/> is not marked [BackgroundTask].</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative delay, or tries outside 0–100.</exception>
    ValueTask<bool> DeliverAsync<TTask>(TTask task, TimeSpan delay = default, int tries = 0, CancellationToken cancellationToken = default)
        where TTask : class, IBackgroundTask;

    /// <summary>
    /// Deliveries accepted and waiting for a worker (delayed ones and retries included). At stop, those due within
    /// <c>MaxWaitTime</c> are still run; those due later are dropped and logged as not yet due.
    /// </summary>
    int Pending { get; }

    /// <summary>Tasks and event dispatches running on a worker right now.</summary>
    int Running { get; }

    /// <summary>
    /// Tasks, listeners and finish callbacks completed successfully since the start: each successful
    /// <see cref="IBackgroundTask.HandleAsync"/>, listener and <see cref="IBackgroundTask.FinishAsync"/> counts one, so a
    /// task with a finish callback counts twice.
    /// </summary>
    long Completed { get; }

    /// <summary>Tasks and listeners that failed their last try since the start.</summary>
    long Failed { get; }
}
