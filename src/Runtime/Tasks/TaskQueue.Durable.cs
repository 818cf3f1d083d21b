using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Resident.Hosting;

namespace Resident.Tasks;

/// <summary>
/// Durable task types (<see cref="BackgroundTaskAttribute.Durable"/>, <c>Resident:Tasks:{name}:Durable</c>): their
/// deliveries go to the <see cref="IDurableTaskTransport"/>, whose consumers hand them back here to run on the same
/// task workers, with the same tries, backoff, logs and counters as in-memory ones; each run is settled through its
/// <see cref="IDurableReceipt"/> (acknowledged, retried after its backoff, or dead-lettered after the last try).
/// </summary>
internal sealed partial class TaskQueue
{
    // Deliveries read back from a transport, by declaration name: every task type (another node's configuration may make
    // one durable that this node's does not).
    private readonly Dictionary<string, WorkRunner> _durableRunners;
    private IDurableTaskTransport? _transport;
    private bool _transportResolved;

    /// <summary>The declaration names of the task types whose deliveries go to the durable transport.</summary>
    internal IReadOnlyList<string> DurableTaskNames =>
        [.. _runners.Values.Where(runner => runner.IsDurable).Select(runner => runner.HandOverName).Order(StringComparer.Ordinal)];

    private Dictionary<string, WorkRunner> DurableRunners(TaskDeclaration[] tasks, IDictionary<string, BackgroundTaskOptions> configured)
    {
        var byName = new Dictionary<string, WorkRunner>(StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            _runners[task.Type].IsDurable = DurableSetting(task, configured)?.Durable ?? task.Durable;

            byName.TryAdd(task.Name, task.CreateDurableRunner());
        }

        return byName;
    }

    /// <summary>The configured section of <paramref name="task"/>: by its full name, else by its class name.</summary>
    private static BackgroundTaskOptions? DurableSetting(TaskDeclaration task, IDictionary<string, BackgroundTaskOptions> configured) =>
        configured.TryGetValue(task.Name, out var byFullName) ? byFullName
        : configured.TryGetValue(ShortName(task.Name), out var byClassName) ? byClassName
        : null;

    private static string ShortName(string name) => name[(name.LastIndexOf('.') + 1)..];

    /// <summary>
    /// Adds a sentence for each <c>Resident:Tasks:{name}</c> that names no task type (or two by their class name), and
    /// for each durable type when no durable transport is registered.
    /// </summary>
    internal void CheckDurable(TaskDeclaration[] tasks, IDictionary<string, BackgroundTaskOptions> configured, List<string> errors)
    {
        foreach (var name in configured.Keys)
        {
            var matches = tasks.Where(task => string.Equals(task.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0)
            {
                matches = [.. tasks.Where(task => string.Equals(ShortName(task.Name), name, StringComparison.OrdinalIgnoreCase))];
            }

            var key = OptionsReader.Key($"{nameof(ResidentOptions.Tasks)}:{name}");
            if (matches.Count == 0)
            {
                errors.Add($"{key} names no [BackgroundTask]; the tasks are: {OptionsReader.Names(tasks.Select(task => ShortName(task.Name)))}.");
            }
            else if (matches.Count > 1)
            {
                errors.Add($"{key} names {matches.Count} tasks by their class name ({string.Join(", ", matches.Select(task => task.Name))}); use the full name.");
            }
        }

        var durable = DurableTaskNames;
        if (durable.Count > 0 && Transport is null)
        {
            foreach (var name in durable)
            {
                var source = tasks.First(task => task.Name == name) is { } declaration && DurableSetting(declaration, configured)?.Durable is true
                    ? $"{OptionsReader.Key($"{nameof(ResidentOptions.Tasks)}:{ShortName(name)}:{nameof(BackgroundTaskOptions.Durable)}")} = true"
                    : "[BackgroundTask(Durable = true)]";
                errors.Add($"The task {name} is durable ({source}) but nothing carries durable tasks: call AddRedis() (package Resident.Redis), or make it an in-memory task.");
            }
        }
    }

    private IDurableTaskTransport? Transport
    {
        get
        {
            if (!Volatile.Read(ref _transportResolved))
            {
                _transport = _services.GetService<IDurableTaskTransport>();
                Volatile.Write(ref _transportResolved, true);
            }

            return _transport;
        }
    }

    private ValueTask<bool> SendDurableAsync<TTask>(WorkRunner runner, TTask task, TimeSpan delay, int tries, CancellationToken cancellationToken)
        where TTask : class, IBackgroundTask
    {
        if (!IsAccepting)
        {
            return ValueTask.FromResult(false);
        }

        var transport = Transport ?? throw new InvalidOperationException(
            $"{runner.HandOverName} is a durable task but nothing carries durable tasks: call AddRedis() (package Resident.Redis).");

        // The codec runs on the caller's thread: a payload it cannot write fails the call, like a bad argument.
        var message = new DurableMessage(runner.HandOverName, runner.SerializePayload(task), tries, 1, Guid.NewGuid().ToString("N"));
        var sending = transport.SendAsync(message, delay, cancellationToken);
        return sending.IsCompletedSuccessfully ? ValueTask.FromResult(Stored(runner, sending.Result)) : StoredAsync(runner, sending);
    }

    // A durable delivery counts as delivered once its transport stored it.
    private bool Stored(WorkRunner runner, bool stored)
    {
        if (stored)
        {
            _metrics.AddTaskDelivery(runner.MetricTag);
        }

        return stored;
    }

    private async ValueTask<bool> StoredAsync(WorkRunner runner, ValueTask<bool> sending) => Stored(runner, await sending.ConfigureAwait(false));

    /// <summary>
    /// Queues a delivery a durable transport read, to run on a task worker and be settled through
    /// <paramref name="receipt"/>. Returns null once queued; otherwise why it cannot run on this node (its type is
    /// unknown here, or its payload unreadable: the caller dead-letters it), or "" when the queue is stopping or
    /// <paramref name="cancellationToken"/> fired while waiting for room (the caller leaves it for another node).
    /// </summary>
    /// <remarks>Durable deliveries bypass <c>TaskQueueCapacity</c>'s refusal: they wait for room, since the transport bounds how many it reads.</remarks>
    internal async ValueTask<string?> AcceptDurableAsync(DurableMessage message, IDurableReceipt receipt, CancellationToken cancellationToken)
    {
        if (!_durableRunners.TryGetValue(message.TaskName, out var runner))
        {
            return $"this version declares no [BackgroundTask] {message.TaskName}";
        }

        object task;
        try
        {
            task = runner.DeserializePayload(message.Payload);
        }
        catch (Exception exception)
        {
            return $"the payload codec of {message.TaskName} cannot read its payload ({exception.Message})";
        }

        if (!IsAccepting)
        {
            return "";
        }

        // Its wait for a worker is measured from here: the transport held it until it was due.
        var item = new WorkItem(runner, new DurableRun(task, receipt, message.IdempotencyKey), message.Tries, Math.Max(1, message.Attempt), 0, _time.GetTimestamp());
        Interlocked.Increment(ref _accepted);
        if (_ready.Writer.TryWrite(item))
        {
            return null;
        }

        try
        {
            await _ready.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception exception) when (exception is OperationCanceledException or ChannelClosedException)
        {
            Release(null);
            return "";
        }
    }

    /// <summary>A durable run succeeded: acknowledges it, runs the finish callback (on this node), then ends the delivery.</summary>
    internal void DurableSucceeded<TTask>(IDurableReceipt receipt, TTask task, string name, int attempt, int tries, bool hasFinish)
        where TTask : class, IBackgroundTask =>
        _ = SettleAsync(receipt.CompleteAsync(), hasFinish ? () => Finish(task, name, attempt, tries) : null);

    /// <summary>
    /// A durable try failed: retried through the transport after the backoff while tries are left, else
    /// dead-lettered (and counted as failed). A try the stop cut off is abandoned: another node runs it again.
    /// Returns true when the delivery runs again (retried or abandoned), false when it was given up.
    /// </summary>
    internal bool DurableFailed(IDurableReceipt receipt, string name, int attempt, int tries, RetryPolicy policy, Exception exception)
    {
        if (_abort.IsCancellationRequested)
        {
            TaskLog.DurableAbandoned(_logger, name, attempt);
            receipt.Abandon();
            Release(null);
            return true;
        }

        if (attempt < tries)
        {
            var delay = Backoff(policy, attempt);
            TaskLog.TryFailed(_logger, name, attempt, tries, (long)delay.TotalMilliseconds, exception);
            _ = SettleAsync(receipt.RetryAsync(attempt + 1, delay), null);
            return true;
        }

        TaskLog.DurableGaveUp(_logger, name, attempt, exception);
        Interlocked.Increment(ref _failed);
        RecordFailure(name, attempt, exception);
        _ = SettleAsync(receipt.DeadLetterAsync(attempt, $"{exception.GetType().FullName}: {exception.Message}"), null);
        return false;
    }

    // Settling happens off the workers; the delivery ends (and the stop's drain sees it end) once it is settled.
    private async Task SettleAsync(Task settling, Action? then)
    {
        await settling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (then is null)
        {
            Release(null);
        }
        else
        {
            then();
        }
    }
}
