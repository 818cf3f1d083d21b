using Resident.Metrics;

namespace Resident.Tasks;

/// <summary>
/// One durable delivery as it is stored and read back: the task type's declaration name, its payload as written by
/// the generated codec, and how far it got.
/// </summary>
/// <param name="TaskName">The task type's full name (its declaration name).</param>
/// <param name="Payload">The payload as UTF-8 JSON, written by the type's generated <c>PayloadCodec</c>.</param>
/// <param name="Tries">Tries set by the delivery; 0 takes the declaration's.</param>
/// <param name="Attempt">The number of the try to run, from 1.</param>
/// <param name="IdempotencyKey">Assigned at the first delivery and kept by every retry and reclaim.</param>
internal sealed record DurableMessage(string TaskName, byte[] Payload, int Tries, int Attempt, string IdempotencyKey);

/// <summary>
/// Where deliveries of durable task types go instead of this process's memory (Resident.Redis registers one).
/// <see cref="TaskQueue.DeliverAsync"/> of a durable type calls <see cref="SendAsync"/>; the transport's consumers read
/// deliveries back and hand them to <see cref="TaskQueue.AcceptDurableAsync"/>, which runs them on the task workers
/// and settles each through its <see cref="IDurableReceipt"/>.
/// </summary>
internal interface IDurableTaskTransport
{
    /// <summary>
    /// Stores <paramref name="message"/> durably, to run no earlier than <paramref name="delay"/> from now. True only
    /// once it is stored; false (logged and counted by the transport) when it could not be stored in time.
    /// </summary>
    ValueTask<bool> SendAsync(DurableMessage message, TimeSpan delay, CancellationToken cancellationToken);
}

/// <summary>How the task queue settles one delivery read from a durable transport. Each call is made once, and never throws.</summary>
internal interface IDurableReceipt
{
    /// <summary>The run succeeded: the delivery is done (acknowledged).</summary>
    Task CompleteAsync();

    /// <summary>The try failed and tries are left: the delivery comes back as <paramref name="nextAttempt"/> after <paramref name="delay"/>.</summary>
    Task RetryAsync(int nextAttempt, TimeSpan delay);

    /// <summary>The last try failed: the delivery goes to the dead letters with <paramref name="reason"/>.</summary>
    Task DeadLetterAsync(int attempt, string reason);

    /// <summary>The stop cut the run off: the delivery stays stored, for another node to reclaim.</summary>
    void Abandon();
}

/// <summary>The payload of a work item read from a durable transport: the task, its receipt and its idempotency key.</summary>
internal sealed record DurableRun(object Task, IDurableReceipt Receipt, string IdempotencyKey);

/// <summary>Runs the deliveries of one [BackgroundTask] type read back from a durable transport.</summary>
internal sealed class DurableTaskRunner<TTask>(Resident.Hosting.TaskDeclaration<TTask> declaration)
    : WorkRunner(ResidentMetrics.TaskTag(declaration.Name)) where TTask : class, IBackgroundTask
{
    public override string NameAt(int next) => declaration.Name;

    // Durable deliveries live in the transport: a reload never hands them over (the next generation reads them itself).
    public override string HandOverKind => HandOverEnvelope.TaskKind;

    public override string HandOverName => declaration.Name;

    public override bool CanHandOver => false;

    public DurableTaskRunner<TTask> Durably()
    {
        IsDurable = true;
        return this;
    }

    public override byte[] SerializePayload(object payload) =>
        (declaration.Codec ?? throw new InvalidOperationException($"{declaration.Name} has no payload codec.")).Serialize((TTask)payload);

    public override object DeserializePayload(ReadOnlySpan<byte> json) =>
        (declaration.Codec ?? throw new InvalidOperationException($"{declaration.Name} has no payload codec.")).Deserialize(json);

    public override async ValueTask RunAsync(TaskQueue queue, WorkerCounters worker, WorkItem item)
    {
        var run = (DurableRun)item.Payload;
        var task = (TTask)run.Task;
        var tries = item.Tries > 0 ? item.Tries : declaration.Retry.Tries;
        var context = worker.Context.Begin(declaration.Name, item.Attempt, tries, run.IdempotencyKey);
        var started = queue.Timestamp();
        try
        {
            await task.HandleAsync(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await context.DisposeAsync().ConfigureAwait(false);
            var duration = queue.Since(started);
            var runsAgain = queue.DurableFailed(run.Receipt, declaration.Name, item.Attempt, tries, declaration.Retry, exception);
            queue.Metrics.RecordTaskRun(duration, runsAgain ? ResidentMetrics.RunOutcome.Retried : ResidentMetrics.RunOutcome.Failed, MetricTag);
            return;
        }

        await context.DisposeAsync().ConfigureAwait(false);
        queue.Metrics.RecordTaskRun(queue.Since(started), ResidentMetrics.RunOutcome.Completed, MetricTag);
        Volatile.Write(ref worker.Completed, worker.Completed + 1);
        queue.DurableSucceeded(run.Receipt, task, declaration.Name, item.Attempt, tries, declaration.HasFinish);
    }
}
