using Resident.Hosting;

namespace Resident.Tasks;

/// <summary>One accepted delivery: a task, or an event on its way through its listeners.</summary>
internal abstract class WorkItem
{
    /// <summary>The task or event type's name, for logs.</summary>
    public abstract string Name { get; }

    /// <summary>Runs one step on a worker: to the end, or until a failure schedules its retry.</summary>
    public abstract ValueTask RunAsync(TaskQueue queue, WorkerCounters counters);
}

internal sealed class TaskItem<TTask>(TTask task, TaskDeclaration<TTask> declaration, int tries) : WorkItem
    where TTask : class, IBackgroundTask
{
    private int _attempt = 1;

    public override string Name => declaration.Name;

    public override async ValueTask RunAsync(TaskQueue queue, WorkerCounters counters)
    {
        var context = counters.Context.Begin(declaration.Name, _attempt, tries);
        try
        {
            await task.HandleAsync(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await context.DisposeAsync().ConfigureAwait(false);
            queue.TryFailed(this, declaration.Name, _attempt, tries, declaration.Retry, exception, () => _attempt++);
            return;
        }

        await context.DisposeAsync().ConfigureAwait(false);
        Volatile.Write(ref counters.Completed, counters.Completed + 1);
        if (declaration.HasFinish)
        {
            queue.Finish(task, declaration.Name);
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

    public int Running;

    /// <summary>The context this worker's runs reuse.</summary>
    public TaskContext Context = null!;

#pragma warning disable CS0169, IDE0051
    private readonly long _padAfter0, _padAfter1, _padAfter2, _padAfter3, _padAfter4, _padAfter5, _padAfter6;
#pragma warning restore CS0169, IDE0051
}

/// <summary>The listeners of one event type, in run order.</summary>
internal abstract class ListenerRoute
{
    public static object Create(ListenerDeclaration[] listeners) => listeners[0].CreateRoute(listeners);
}

internal sealed class ListenerRoute<TEvent>(ListenerDeclaration<TEvent>[] listeners) : ListenerRoute where TEvent : class
{
    public ListenerDeclaration<TEvent>[] Listeners { get; } = listeners;
}

internal sealed class EventItem<TEvent>(TEvent @event, ListenerRoute<TEvent> route, int tries) : WorkItem where TEvent : class
{
    private int _next;
    private int _attempt = 1;

    public override string Name => route.Listeners[Math.Min(_next, route.Listeners.Length - 1)].Name;

    /// <summary>
    /// Runs the listeners from the next one on, in order, each built fresh. A listener that fails with tries left
    /// is retried after its backoff, and the ones after it run after that; one that fails its last try is skipped.
    /// </summary>
    public override async ValueTask RunAsync(TaskQueue queue, WorkerCounters counters)
    {
        var listeners = route.Listeners;
        while (_next < listeners.Length && !queue.Aborted.IsCancellationRequested)
        {
            var declaration = listeners[_next];
            var listenerTries = tries > 0 ? tries : declaration.Retry.Tries;
            var context = counters.Context.Begin(declaration.Name, _attempt, listenerTries);
            Propagation propagation;
            try
            {
                var listener = declaration.Factory(context.Services);
                propagation = await listener.HandleAsync(@event, context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                await context.DisposeAsync().ConfigureAwait(false);
                var retrying = false;
                queue.TryFailed(this, declaration.Name, _attempt, listenerTries, declaration.Retry, exception, () =>
                {
                    _attempt++;
                    retrying = true;
                });
                if (retrying)
                {
                    return;
                }

                _next++;
                _attempt = 1;
                continue;
            }

            await context.DisposeAsync().ConfigureAwait(false);
            Volatile.Write(ref counters.Completed, counters.Completed + 1);
            if (propagation == Propagation.Stop)
            {
                break;
            }

            _next++;
            _attempt = 1;
        }
    }
}
