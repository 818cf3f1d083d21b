using Resident.Hosting;
using Resident.Metrics;

namespace Resident.Tasks;

/// <summary>
/// One accepted delivery on its way to a worker: what runs it, the task or event, and how far it got. A struct, so a
/// delivery costs no allocation beyond the app's own object.
/// </summary>
/// <param name="Runner">Runs the payload: a task type's declaration, or an event type's listeners.</param>
/// <param name="Payload">The task or the event.</param>
/// <param name="Tries">Tries per task or listener set by the delivery; 0 takes the declaration's.</param>
/// <param name="Attempt">This try's number, from 1.</param>
/// <param name="Next">For an event: the listener to run next.</param>
/// <param name="ReadyTimestamp">
/// Since when it waits for a worker (a timestamp of the queue's <see cref="TimeProvider"/>): its delivery, or its due
/// time when it was delayed or is a retry. Set as it enters the ready queue; what <c>resident.task.wait.duration</c> measures from.
/// </param>
internal readonly record struct WorkItem(WorkRunner Runner, object Payload, int Tries, int Attempt, int Next, long ReadyTimestamp = 0)
{
    public string Name => Runner.NameAt(Next);
}

/// <summary>Runs the work items of one task type or event type.</summary>
/// <param name="metricTag">The tag of its measurements: <c>task</c> for a task type, <c>event</c> for an event type.</param>
internal abstract class WorkRunner(KeyValuePair<string, object?> metricTag)
{
    /// <summary>The tag of this runner's measurements, made once: <c>task</c> (a task type) or <c>event</c> (an event type).</summary>
    public KeyValuePair<string, object?> MetricTag { get; protected set; } = metricTag;

    /// <summary>Whether this runs an event's listeners (its deliveries are firings) rather than a task type.</summary>
    public virtual bool IsEventRoute => false;

    /// <summary>The name logs use for the item's current step.</summary>
    public abstract string NameAt(int next);

    /// <summary>
    /// Runs one item on a worker: to the end, or until a failure schedules its retry. Whoever ends the delivery (this
    /// run, its finish callback, or its last try) calls <see cref="TaskQueue.Release"/> once.
    /// </summary>
    public abstract ValueTask RunAsync(TaskQueue queue, WorkerCounters worker, WorkItem item);

    /// <summary>The kind a hand-over envelope gives these deliveries (see <see cref="HandOverEnvelope"/>).</summary>
    public abstract string HandOverKind { get; }

    /// <summary>The declaration name a hand-over envelope carries: the task or event type's full name.</summary>
    public abstract string HandOverName { get; }

    /// <summary>Whether a payload codec exists, so these deliveries can be handed to another process.</summary>
    public abstract bool CanHandOver { get; }

    /// <summary>
    /// For deliveries of this task type made here: whether they go to the durable transport. For a runner of
    /// deliveries read back from it (<see cref="DurableTaskRunner{TTask}"/>): always true.
    /// </summary>
    public bool IsDurable { get; internal set; }

    /// <summary>The payload as UTF-8 JSON, written by its generated codec (only when <see cref="CanHandOver"/>).</summary>
    public abstract byte[] SerializePayload(object payload);

    /// <summary>The payload read back by its generated codec; throws when the JSON is not such a payload.</summary>
    public abstract object DeserializePayload(ReadOnlySpan<byte> json);

    /// <summary>For an event: the name and order of the listener at <paramref name="next"/>; null for a task.</summary>
    public virtual (string Name, int Order)? ListenerAt(int next) => null;

    /// <summary>
    /// For an event handed over at the listener <paramref name="listener"/> of order <paramref name="order"/>: the
    /// index of the first listener of this route at or after it in listener order (so listeners added or removed by
    /// the new code are respected), and whether it is that very listener (its attempt count then carries on).
    /// </summary>
    public virtual int ResumeAt(string? listener, int order, out bool sameListener)
    {
        sameListener = true;
        return 0;
    }
}

/// <summary>Runs the deliveries of one [BackgroundTask] type.</summary>
internal sealed class TaskRunner<TTask>(TaskDeclaration<TTask> declaration) : WorkRunner(ResidentMetrics.TaskTag(declaration.Name)) where TTask : class, IBackgroundTask
{
    public TaskDeclaration<TTask> Declaration { get; } = declaration;

    public override string NameAt(int next) => Declaration.Name;

    public override string HandOverKind => HandOverEnvelope.TaskKind;

    public override string HandOverName => Declaration.Name;

    public override bool CanHandOver => Declaration.Codec is not null;

    public override byte[] SerializePayload(object payload) =>
        (Declaration.Codec ?? throw new InvalidOperationException($"{Declaration.Name} has no payload codec.")).Serialize((TTask)payload);

    public override object DeserializePayload(ReadOnlySpan<byte> json) =>
        (Declaration.Codec ?? throw new InvalidOperationException($"{Declaration.Name} has no payload codec.")).Deserialize(json);

    public override ValueTask RunAsync(TaskQueue queue, WorkerCounters worker, WorkItem item)
    {
        var task = (TTask)item.Payload;
        var tries = item.Tries > 0 ? item.Tries : Declaration.Retry.Tries;
        var context = worker.Context.Begin(Declaration.Name, item.Attempt, tries);
        var started = queue.Timestamp();
        ValueTask handling;
        try
        {
            handling = task.HandleAsync(context);
        }
        catch (Exception exception)
        {
            return FailedAsync(queue, worker, item, context, tries, started, exception);
        }

        // Most tasks finish synchronously: no state machine unless the handler really waits or made a scope.
        if (handling.IsCompletedSuccessfully && context.HasNoScope)
        {
            handling.GetAwaiter().GetResult(); // Completed: returns at once, and releases a pooled source.
            Succeeded(queue, worker, task, item.Attempt, tries, started);
            return ValueTask.CompletedTask;
        }

        return AwaitAsync(queue, worker, item, task, context, tries, started, handling);
    }

    private void Succeeded(TaskQueue queue, WorkerCounters worker, TTask task, int attempt, int tries, long started)
    {
        // Recorded before the delivery ends, so whoever sees it ended sees its run counted.
        queue.Metrics.RecordTaskRun(queue.Since(started), ResidentMetrics.RunOutcome.Completed, MetricTag);
        Volatile.Write(ref worker.Completed, worker.Completed + 1);
        if (Declaration.HasFinish)
        {
            queue.Finish(task, Declaration.Name, attempt, tries); // Releases the delivery when the callback ends.
        }
        else
        {
            queue.Release(worker);
        }
    }

    private async ValueTask AwaitAsync(TaskQueue queue, WorkerCounters worker, WorkItem item, TTask task, TaskContext context, int tries, long started, ValueTask handling)
    {
        try
        {
            await handling.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await FailedAsync(queue, worker, item, context, tries, started, exception).ConfigureAwait(false);
            return;
        }

        await context.DisposeAsync().ConfigureAwait(false);
        Succeeded(queue, worker, task, item.Attempt, tries, started);
    }

    private async ValueTask FailedAsync(TaskQueue queue, WorkerCounters worker, WorkItem item, TaskContext context, int tries, long started, Exception exception)
    {
        await context.DisposeAsync().ConfigureAwait(false);
        var duration = queue.Since(started);
        var retried = queue.TryFailed(item with { Attempt = item.Attempt + 1 }, Declaration.Name, item.Attempt, tries, Declaration.Retry, exception);
        queue.Metrics.RecordTaskRun(duration, retried ? ResidentMetrics.RunOutcome.Retried : ResidentMetrics.RunOutcome.Failed, MetricTag);
        if (!retried)
        {
            queue.Release(worker);
        }
    }
}

/// <summary>
/// One worker's counters, written only by that worker. Padded so two workers' counters never share a cache line.
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
internal sealed class WorkerCounters
{
#pragma warning disable CS0169, IDE0051 // Padding: keeps the hot fields off the neighbouring object's cache line.
    private readonly long _padBefore0, _padBefore1, _padBefore2, _padBefore3, _padBefore4, _padBefore5, _padBefore6;
#pragma warning restore CS0169, IDE0051

    public long Completed;

    /// <summary>Deliveries this worker ended (see <see cref="TaskQueue.Release"/>).</summary>
    public long Ended;

    public int Running;

    /// <summary>The context this worker's runs reuse.</summary>
    public TaskContext Context = null!;

#pragma warning disable CS0169, IDE0051
    private readonly long _padAfter0, _padAfter1, _padAfter2, _padAfter3, _padAfter4, _padAfter5, _padAfter6;
#pragma warning restore CS0169, IDE0051
}
